/// Converts `.npy` payloads that are not already little-endian C order.
enum NPYLayout {
  /// Copies the elements of `source` into `destination` in C order, little-endian.
  ///
  /// - Parameters:
  ///   - source: `shape.product * itemSize` bytes, in Fortran (column-major) order when
  ///     `fortranOrder`, with each element's bytes reversed when `byteSwap`.
  ///   - destination: room for the same number of bytes; need not be aligned.
  ///   - itemSize: 1, 2, 4 or 8.
  static func copy(
    from source: UnsafeRawBufferPointer, to destination: UnsafeMutableRawBufferPointer,
    itemSize: Int, shape: [Int], fortranOrder: Bool, byteSwap: Bool
  ) {
    switch itemSize {
    case 1: copy(UInt8.self, source, destination, shape, fortranOrder, byteSwap: false)
    case 2: copy(UInt16.self, source, destination, shape, fortranOrder, byteSwap: byteSwap)
    case 4: copy(UInt32.self, source, destination, shape, fortranOrder, byteSwap: byteSwap)
    case 8: copy(UInt64.self, source, destination, shape, fortranOrder, byteSwap: byteSwap)
    default: break
    }
  }

  private static func copy<T: FixedWidthInteger>(
    _: T.Type, _ source: UnsafeRawBufferPointer, _ destination: UnsafeMutableRawBufferPointer,
    _ shape: [Int], _ fortranOrder: Bool, byteSwap: Bool
  ) {
    let size = MemoryLayout<T>.size
    let count = min(source.count, destination.count) / size
    guard count > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }
    @inline(__always) func move(_ from: Int, _ to: Int) {
      let v = src.loadUnaligned(fromByteOffset: from, as: T.self)
      dst.storeBytes(of: byteSwap ? v.byteSwapped : v, toByteOffset: to, as: T.self)
    }
    guard fortranOrder, shape.count > 1, shape.reduce(1, *) == count else {
      for i in 0..<count { move(i * size, i * size) }
      return
    }
    // Fortran strides (bytes): axis k advances by the product of the axes before it.
    var strides = [Int](repeating: size, count: shape.count)
    for k in 1..<shape.count { strides[k] = strides[k - 1] * shape[k - 1] }
    let last = shape.count - 1
    let inner = shape[last]
    let innerStride = strides[last]
    var index = [Int](repeating: 0, count: shape.count)
    var base = 0
    var out = 0
    for _ in 0..<(count / inner) {
      var from = base
      for _ in 0..<inner {
        move(from, out)
        from += innerStride
        out += size
      }
      // Advance the odometer over the outer axes, last outer axis fastest.
      var k = last - 1
      while k >= 0 {
        index[k] += 1
        base += strides[k]
        if index[k] < shape[k] { break }
        base -= strides[k] * shape[k]
        index[k] = 0
        k -= 1
      }
    }
  }
}

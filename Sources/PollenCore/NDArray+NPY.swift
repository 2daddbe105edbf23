#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension NDArray {
  /// Decodes an array from the `.npy` format, as `numpy.load(io.BytesIO(data), allow_pickle=False)`
  /// reads it: Flower's `"numpy.ndarray"` tensor encoding.
  ///
  /// Reads versions 1.0, 2.0 and 3.0; little-, big- and native-endian descrs of every ``DType``;
  /// C or Fortran order; 0-d and empty arrays. Bytes after the data are ignored, as numpy does.
  ///
  /// Ownership: when the payload is already little-endian C order and its address is aligned to
  /// the item size, ``bytes`` is a slice of `data` sharing its storage (no copy); otherwise the
  /// elements are converted into a new buffer. Bool bytes other than 0 and 1 read as `true`.
  ///
  /// - Throws: ``PollenError`` with code ``PollenError/Code-swift.struct/invalidTensor`` and the
  ///   reason when `data` is not a valid `.npy` array of a supported dtype (object arrays, which
  ///   need pickle, are always refused).
  public init(npy data: Data) throws {
    let header = try data.withUnsafeBytes { raw in try NPYHeader.parse(raw) }
    let byteCount = try header.payloadByteCount(available: data.count - header.dataOffset)
    let payload = header.dataOffset..<(header.dataOffset + byteCount)
    let dtype = header.descr.dtype
    let start = data.startIndex + payload.lowerBound
    let slice = data[start..<(start + payload.count)]
    let needsLayout = header.descr.bigEndian || (header.fortranOrder && header.shape.count > 1)
    var bytes: Data
    if needsLayout {
      bytes = Data(count: payload.count)
      bytes.withUnsafeMutableBytes { out in
        slice.withUnsafeBytes { source in
          NPYLayout.copy(
            from: source, to: out, itemSize: dtype.itemSize, shape: header.shape,
            fortranOrder: header.fortranOrder, byteSwap: header.descr.bigEndian)
        }
      }
    } else {
      let aligned = slice.withUnsafeBytes { Int(bitPattern: $0.baseAddress) % dtype.itemSize == 0 }
      bytes = aligned ? slice : slice.withUnsafeBytes { Data($0) }
    }
    if dtype == .bool, bytes.contains(where: { $0 > 1 }) {
      // Swift's Bool must be 0 or 1; numpy reads any nonzero byte as True.
      bytes = Data(bytes.map { $0 == 0 ? 0 : 1 })
    }
    try self.init(dtype: dtype, shape: header.shape, bytes: bytes)
  }

  /// Encodes the array in the `.npy` format, byte for byte as
  /// `numpy.save(buffer, array, allow_pickle=False)` writes it: version 1.0 (2.0 if the header
  /// would not fit in 64 KiB), C order, little-endian, data aligned to 64 bytes.
  public func npy() -> Data {
    let header = NPYHeader.encode(dtype: dtype, shape: shape)
    var out = Data(capacity: header.count + bytes.count)
    out.append(contentsOf: header)
    out.append(bytes)
    return out
  }
}

extension NDArray {
  /// Where the data of the `.npy` file starting at `bytes` begins, read from its preamble alone
  /// (magic, version, header length: the first 10 or 12 bytes; the header need not be there);
  /// `nil` when `bytes` does not start like an `.npy` file numpy writes (versions 1.0–3.0).
  package static func npyDataOffset(peeking bytes: UnsafeRawBufferPointer) -> Int? {
    (try? NPYHeader.Preamble(bytes))?.dataOffset
  }

  /// Moves the data of the `.npy` file in `file` back by fewer bytes than its item size, into
  /// the spaces that pad its header, so that the data starts at an address aligned for its
  /// dtype and ``init(npy:)`` can take it without a copy. Returns the file's new length
  /// (shorter by the bytes moved; the header's length field and its closing newline are
  /// rewritten), or `nil` when nothing was changed: the data is aligned already, its layout
  /// needs converting anyway (big-endian, Fortran order), the header has too few padding spaces,
  /// or the file is not a valid `.npy` file.
  ///
  /// A client's reply lands in a buffer where each tensor's `.npy` file follows a protobuf tag
  /// and length, so its data is aligned only by chance; numpy pads headers with spaces (to a
  /// multiple of 64 bytes, plus room for the shape to grow), which leaves room for the move.
  /// Moving in place costs a pass over the data but no allocation: at 100 clients × 4 MB, the
  /// copy into fresh memory was 8% of the server's CPU, most of it faulting new pages in.
  package static func alignNPYDataInPlace(_ file: UnsafeMutableRawBufferPointer) -> Int? {
    guard let base = file.baseAddress,
      let header = try? NPYHeader.parse(UnsafeRawBufferPointer(file)),
      !header.descr.bigEndian, !(header.fortranOrder && header.shape.count > 1)
    else { return nil }
    let item = header.descr.dtype.itemSize
    let offset = header.dataOffset
    let shift = (Int(bitPattern: base) + offset) % item
    guard shift > 0, offset < file.count else { return nil }
    let newline = offset - 1
    let lengthSize = header.lengthSize
    let headerStart = 8 + lengthSize
    guard file[newline] == 0x0A, newline - shift > headerStart,
      file[(newline - shift)..<newline].allSatisfy({ $0 == 0x20 })
    else { return nil }
    let headerLength = newline + 1 - shift - headerStart
    for i in 0..<lengthSize { file[8 + i] = UInt8(truncatingIfNeeded: headerLength >> (8 * i)) }
    file[newline - shift] = 0x0A
    (base + offset - shift).copyMemory(from: base + offset, byteCount: file.count - offset)
    return file.count - shift
  }
}

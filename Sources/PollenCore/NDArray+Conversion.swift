#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension NDArray {
  /// The elements converted to `Double` (bool: 0 or 1), whatever the dtype.
  public func doubles() -> [Double] {
    switch dtype {
    case .float16: return scalars(as: UInt16.self, reinterpreting: true).map { Double(Half.toFloat($0)) }
    case .float32: return scalars(as: Float.self).map(Double.init)
    case .float64: return scalars(as: Double.self)
    case .int8: return scalars(as: Int8.self).map(Double.init)
    case .int16: return scalars(as: Int16.self).map(Double.init)
    case .int32: return scalars(as: Int32.self).map(Double.init)
    case .int64: return scalars(as: Int64.self).map(Double.init)
    case .uint8: return scalars(as: UInt8.self).map(Double.init)
    case .uint16: return scalars(as: UInt16.self).map(Double.init)
    case .uint32: return scalars(as: UInt32.self).map(Double.init)
    // A closure, not `Double.init`: for UInt64 that resolves to `Double(bitPattern:)`.
    case .uint64: return scalars(as: UInt64.self).map { Double($0) }
    case .bool: return scalars(as: Bool.self).map { $0 ? 1 : 0 }
    }
  }

  /// An array of `dtype` from doubles: floats are rounded to the nearest representable value,
  /// integers rounded to nearest and clamped to the type's range, bools are `value != 0`.
  public init(doubles values: [Double], dtype: DType, shape: [Int]) {
    func ints<T: FixedWidthInteger & NDArrayScalar>(_: T.Type) -> NDArray {
      NDArray(
        values.map { v -> T in
          let r = v.rounded()
          if r.isNaN { return 0 }
          if r <= Double(T.min) { return T.min }
          if r >= Double(T.max) { return T.max }
          return T(r)
        }, shape: shape)
    }
    switch dtype {
    case .float16:
      let halves = values.map { Half.fromFloat(Float($0)) }
      self = try! NDArray(dtype: .float16, shape: shape, bytes: halves.withUnsafeBytes { Data($0) })
    case .float32: self = NDArray(values.map { Float($0) }, shape: shape)
    case .float64: self = NDArray(values, shape: shape)
    case .int8: self = ints(Int8.self)
    case .int16: self = ints(Int16.self)
    case .int32: self = ints(Int32.self)
    case .int64: self = ints(Int64.self)
    case .uint8: self = ints(UInt8.self)
    case .uint16: self = ints(UInt16.self)
    case .uint32: self = ints(UInt32.self)
    case .uint64: self = ints(UInt64.self)
    case .bool: self = NDArray(values.map { $0 != 0 }, shape: shape)
    }
  }

  /// The elements as `T`; with `reinterpreting`, any dtype of the same item size is read as `T`.
  func scalars<T: NDArrayScalar>(as type: T.Type, reinterpreting: Bool) -> [T] {
    precondition(reinterpreting ? MemoryLayout<T>.stride == dtype.itemSize : T.dtype == dtype)
    let n = count
    return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
      if n > 0 {
        bytes.withUnsafeBytes { raw in
          UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
            from: raw.baseAddress!, byteCount: n * MemoryLayout<T>.stride)
        }
      }
      initialized = n
    }
  }
}

/// IEEE 754 half-precision conversion (bit patterns as `UInt16`), portable to every platform.
enum Half {
  static func toFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exp = Int((h >> 10) & 0x1F)
    let frac = UInt32(h & 0x3FF)
    if exp == 0 {
      if frac == 0 { return Float(bitPattern: sign) }
      let v = Float(frac) * 0x1p-24
      return sign == 0 ? v : -v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (frac << 13)) }
    return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (frac << 13))
  }

  static func fromFloat(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    if f.isNaN { return sign | 0x7E00 }
    let a = abs(f)
    if a >= 65520 { return sign | 0x7C00 }  // overflow to infinity (round-to-nearest)
    if a < 0x1p-14 {  // subnormal half
      let q = (a * 0x1p24).rounded(.toNearestOrEven)
      return sign | UInt16(q)
    }
    let e = Int((a.bitPattern >> 23) & 0xFF) - 127
    let mant = Float(bitPattern: (a.bitPattern & 0x007F_FFFF) | 0x3F80_0000)  // in [1, 2)
    var m = ((mant - 1) * 1024).rounded(.toNearestOrEven)
    var he = e + 15
    if m >= 1024 {
      m = 0
      he += 1
    }
    if he >= 31 { return sign | 0x7C00 }
    return sign | UInt16(he) << 10 | UInt16(m)
  }
}

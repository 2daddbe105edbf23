import PollenCore

/// One layer's elements with numpy's arithmetic for its dtype, for the exact (slow) path of
/// Flower's in-place FedAvg when dtypes mix or are not float32/float64
/// (``WeightedSum`` documents the rule).
///
/// Floats are held as `Double`s already rounded to the dtype, signed integers as `Int64`s and
/// unsigned ones as `UInt64`s reduced to the dtype's width (integer arithmetic wraps, as numpy's
/// does), bools as `Bool`s.
struct NumpyBuffer: Sendable {
  enum Values: Sendable {
    case float([Double])
    case signed([Int64])
    case unsigned([UInt64])
    case bool([Bool])
  }

  private(set) var dtype: DType
  private(set) var values: Values

  init(dtype: DType, values: Values) {
    self.dtype = dtype
    self.values = values
  }

  /// The elements of `array`, exactly.
  init(_ array: NDArray) {
    dtype = array.dtype
    switch array.dtype {
    case .float16, .float32, .float64: values = .float(array.doubles())
    case .int8: values = .signed(array.scalars(as: Int8.self).map(Int64.init))
    case .int16: values = .signed(array.scalars(as: Int16.self).map(Int64.init))
    case .int32: values = .signed(array.scalars(as: Int32.self).map(Int64.init))
    case .int64: values = .signed(array.scalars(as: Int64.self))
    case .uint8: values = .unsigned(array.scalars(as: UInt8.self).map(UInt64.init))
    case .uint16: values = .unsigned(array.scalars(as: UInt16.self).map(UInt64.init))
    case .uint32: values = .unsigned(array.scalars(as: UInt32.self).map(UInt64.init))
    case .uint64: values = .unsigned(array.scalars(as: UInt64.self))
    case .bool: values = .bool(array.scalars(as: Bool.self))
    }
  }

  /// Doubles rounded to the float `dtype` (the running sum of a fast prefix).
  init(rounding doubles: [Double], to dtype: DType) {
    self.dtype = dtype
    values = .float(doubles.map { NumpyScalar.round($0, to: dtype) })
  }

  /// The buffer as an array of `shape`.
  func array(shape: [Int]) -> NDArray {
    switch values {
    case .float(let v): return NDArray(doubles: v, dtype: dtype, shape: shape)
    case .bool(let v): return NDArray(v, shape: shape)
    case .signed(let v):
      switch dtype {
      case .int8: return NDArray(v.map { Int8(truncatingIfNeeded: $0) }, shape: shape)
      case .int16: return NDArray(v.map { Int16(truncatingIfNeeded: $0) }, shape: shape)
      case .int32: return NDArray(v.map { Int32(truncatingIfNeeded: $0) }, shape: shape)
      default: return NDArray(v, shape: shape)
      }
    case .unsigned(let v):
      switch dtype {
      case .uint8: return NDArray(v.map { UInt8(truncatingIfNeeded: $0) }, shape: shape)
      case .uint16: return NDArray(v.map { UInt16(truncatingIfNeeded: $0) }, shape: shape)
      case .uint32: return NDArray(v.map { UInt32(truncatingIfNeeded: $0) }, shape: shape)
      default: return NDArray(v, shape: shape)
      }
    }
  }

  /// The elements as `Double`s (numpy's cast to float64).
  var doubles: [Double] {
    switch values {
    case .float(let v): return v
    case .signed(let v): return v.map(Double.init)
    case .unsigned(let v): return v.map { Double($0) }
    case .bool(let v): return v.map { $0 ? 1 : 0 }
    }
  }

  /// The elements as two's-complement 64-bit patterns (numpy's integer casts wrap).
  private var bitPatterns: [UInt64] {
    switch values {
    case .float(let v): return v.map { NumpyScalar.integerBits($0, to: .int64) }
    case .signed(let v): return v.map { UInt64(bitPattern: $0) }
    case .unsigned(let v): return v
    case .bool(let v): return v.map { $0 ? 1 : 0 }
    }
  }

  /// `numpy.multiply(x, f, out=x)` as Flower's `_try_inplace` does it with a float64 scaling
  /// factor: float dtypes compute `x · f` in float64 and round into the dtype; other dtypes first
  /// cast `f` to the dtype (`np.array(f, x.dtype)`: integers truncate it toward zero, so a
  /// factor below 1 is 0; bool is `f != 0`).
  mutating func multiply(by f: Double) {
    switch values {
    case .float(let v): values = .float(v.map { NumpyScalar.round($0 * f, to: dtype) })
    case .signed(let v):
      let c = Int64(bitPattern: NumpyScalar.integerBits(f, to: dtype))
      values = .signed(v.map { NumpyScalar.wrap($0 &* c, to: dtype) })
    case .unsigned(let v):
      let c = NumpyScalar.integerBits(f, to: dtype)
      values = .unsigned(v.map { NumpyScalar.wrap($0 &* c, to: dtype) })
    case .bool(let v):
      let c = f != 0
      values = .bool(v.map { $0 && c })
    }
  }

  /// `np.array(self, dtype)`: numpy's unsafe cast.
  func cast(to target: DType) -> NumpyBuffer {
    switch target.numpyKind {
    case .float:
      return NumpyBuffer(dtype: target, values: .float(doubles.map { NumpyScalar.round($0, to: target) }))
    case .bool:
      switch values {
      case .float(let v): return NumpyBuffer(dtype: target, values: .bool(v.map { $0 != 0 }))
      default: return NumpyBuffer(dtype: target, values: .bool(bitPatterns.map { $0 != 0 }))
      }
    case .signed:
      let bits: [UInt64]
      if case .float(let v) = values {
        bits = v.map { NumpyScalar.integerBits($0, to: target) }
      } else {
        bits = bitPatterns
      }
      return NumpyBuffer(
        dtype: target, values: .signed(bits.map { NumpyScalar.wrap(Int64(bitPattern: $0), to: target) }))
    case .unsigned:
      let bits: [UInt64]
      if case .float(let v) = values {
        bits = v.map { NumpyScalar.integerBits($0, to: target) }
      } else {
        bits = bitPatterns
      }
      return NumpyBuffer(dtype: target, values: .unsigned(bits.map { NumpyScalar.wrap($0, to: target) }))
    }
  }

  /// `numpy.add(self, other, out=self)` as Flower's `_try_inplace` does it: when
  /// `can_cast(other.dtype, self.dtype, "same_kind")` the sum is computed in
  /// `result_type(self, other)` and rounded (or wrapped) into `self.dtype`; otherwise `other` is
  /// first cast to `self.dtype`. The dtype never changes.
  ///
  /// One combination makes numpy raise (a signed integer `self` and a uint64 `other`: the sum is
  /// float64, which cannot be written back `same_kind`); Pollen wraps it instead.
  mutating func add(_ other: NumpyBuffer) {
    let r = other.dtype.canCastSameKind(to: dtype) ? other : other.cast(to: dtype)
    switch values {
    case .float(let p):
      let compute = dtype.promoted(with: r.dtype)
      let q = r.doubles
      if compute == .float64 {
        values = .float((0..<p.count).map { NumpyScalar.round(p[$0] + q[$0], to: dtype) })
      } else {  // float32 (float16 adds in float32 too, then rounds)
        values = .float(
          (0..<p.count).map { NumpyScalar.round(Double(Float(p[$0]) + Float(q[$0])), to: dtype) })
      }
    case .signed(let p):
      let q = r.bitPatterns
      values = .signed((0..<p.count).map { NumpyScalar.wrap(p[$0] &+ Int64(bitPattern: q[$0]), to: dtype) })
    case .unsigned(let p):
      let q = r.bitPatterns
      values = .unsigned((0..<p.count).map { NumpyScalar.wrap(p[$0] &+ q[$0], to: dtype) })
    case .bool(let p):
      let q = r.bitPatterns
      values = .bool((0..<p.count).map { p[$0] || q[$0] != 0 })
    }
  }
}

extension NumpyBuffer {
  /// `x * n` for a Python int `n` (a weak scalar, cast to `x`'s dtype), as Flower's `aggregate`
  /// weights a layer: floats multiply in their dtype (float16 through float32, as numpy's half
  /// loops do), integers wrap, bool becomes int64 first. (numpy raises OverflowError when `n`
  /// does not fit a narrow integer dtype; Pollen wraps `n`.)
  mutating func multiply(byPythonInt n: Int64) {
    if dtype == .bool { self = cast(to: .int64) }
    switch values {
    case .float(let v):
      let c = NumpyScalar.round(Double(n), to: dtype)
      values = .float(v.map { NumpyScalar.round($0 * c, to: dtype) })
    case .signed(let v):
      let c = NumpyScalar.wrap(n, to: dtype)
      values = .signed(v.map { NumpyScalar.wrap($0 &* c, to: dtype) })
    case .unsigned(let v):
      let c = NumpyScalar.wrap(UInt64(bitPattern: n), to: dtype)
      values = .unsigned(v.map { NumpyScalar.wrap($0 &* c, to: dtype) })
    case .bool: break  // cast above
    }
  }

  /// `numpy.add(self, other)` without `out`: both cast to `result_type(self, other)` and added
  /// in it.
  func promotedSum(_ other: NumpyBuffer) -> NumpyBuffer {
    let t = dtype.promoted(with: other.dtype)
    var sum = dtype == t ? self : cast(to: t)
    sum.add(other.dtype == t ? other : other.cast(to: t))
    return sum
  }

  /// `x / n` for a Python int `n`: float64 for integer and bool dtypes, else divided in the
  /// dtype with `n` cast to it (float16 through float32).
  func dividedBy(pythonInt n: Int64) -> NumpyBuffer {
    guard dtype.isFloatingPoint, case .float(let v) = values else {
      let d = Double(n)
      return NumpyBuffer(dtype: .float64, values: .float(doubles.map { $0 / d }))
    }
    let c = NumpyScalar.round(Double(n), to: dtype)
    switch dtype {
    case .float64: return NumpyBuffer(dtype: dtype, values: .float(v.map { $0 / c }))
    default:
      let cf = Float(c)
      return NumpyBuffer(
        dtype: dtype, values: .float(v.map { NumpyScalar.round(Double(Float($0) / cf), to: dtype) }))
    }
  }
}

/// Scalar conversions with numpy's results (on x86-64 and arm64 alike for in-range values).
enum NumpyScalar {
  /// `x` rounded to the nearest value of the float `dtype` (ties to even), as numpy's cast
  /// from float64 rounds; overflow gives infinity.
  static func round(_ x: Double, to dtype: DType) -> Double {
    switch dtype {
    case .float32: return Double(Float(x))
    case .float16: return roundToHalf(x)
    default: return x
    }
  }

  /// Correctly rounded float64 → float16 (numpy's `npy_double_to_half`), as a `Double`.
  static func roundToHalf(_ x: Double) -> Double {
    guard x.isFinite, x != 0 else { return x }
    let a = abs(x)
    let rounded: Double
    if a < 0x1p-14 {  // subnormal halves: multiples of 2^-24
      rounded = (a * 0x1p24).rounded(.toNearestOrEven) * 0x1p-24
    } else {
      let ulp = Double(sign: .plus, exponent: a.exponent - 10, significand: 1)
      rounded = (a / ulp).rounded(.toNearestOrEven) * ulp
    }
    let r = rounded >= 65536 ? Double.infinity : rounded
    return x < 0 ? -r : r
  }

  /// numpy's float → integer cast of `x` to `dtype` as a 64-bit pattern: truncation toward
  /// zero; out of range (or NaN), what numpy gives on x86-64 (the minimum of int64 for int64,
  /// of int32 for the narrower types, before wrapping).
  static func integerBits(_ x: Double, to dtype: DType) -> UInt64 {
    let t = x.rounded(.towardZero)
    switch dtype {
    case .int64:
      return t >= -0x1p63 && t < 0x1p63 ? UInt64(bitPattern: Int64(t)) : UInt64(bitPattern: Int64.min)
    case .uint64:
      if t >= -0x1p63 && t < 0x1p63 { return UInt64(bitPattern: Int64(t)) }
      return t >= 0x1p63 && t < 0x1p64 ? UInt64(t) : 0
    case .uint32:
      return t >= -0x1p63 && t < 0x1p63 ? UInt64(bitPattern: Int64(t)) : UInt64(bitPattern: Int64.min)
    default:
      let i32 = t >= -0x1p31 && t < 0x1p31 ? Int32(t) : Int32.min
      return UInt64(bitPattern: Int64(i32))
    }
  }

  /// `v` reduced to the width of the signed `dtype` (sign-extended back to 64 bits).
  static func wrap(_ v: Int64, to dtype: DType) -> Int64 {
    switch dtype {
    case .int8: return Int64(Int8(truncatingIfNeeded: v))
    case .int16: return Int64(Int16(truncatingIfNeeded: v))
    case .int32: return Int64(Int32(truncatingIfNeeded: v))
    default: return v
    }
  }

  /// `v` reduced to the width of the unsigned `dtype`.
  static func wrap(_ v: UInt64, to dtype: DType) -> UInt64 {
    switch dtype {
    case .uint8: return UInt64(UInt8(truncatingIfNeeded: v))
    case .uint16: return UInt64(UInt16(truncatingIfNeeded: v))
    case .uint32: return UInt64(UInt32(truncatingIfNeeded: v))
    default: return v
    }
  }
}

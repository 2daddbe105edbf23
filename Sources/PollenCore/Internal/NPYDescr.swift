/// A numpy dtype descriptor string (`'<f4'`, `'|b1'`, `'>i8'`, …) as an `.npy` header holds it.
struct NPYDescr: Equatable {
  var dtype: DType
  /// Whether the payload is big-endian (always `false` for one-byte types).
  var bigEndian: Bool

  /// What numpy writes for `dtype` on a little-endian machine: `|` for one-byte types, else `<`.
  static func string(for dtype: DType) -> String {
    let code: String
    switch dtype {
    case .float16: code = "f2"
    case .float32: code = "f4"
    case .float64: code = "f8"
    case .int8: code = "i1"
    case .int16: code = "i2"
    case .int32: code = "i4"
    case .int64: code = "i8"
    case .uint8: code = "u1"
    case .uint16: code = "u2"
    case .uint32: code = "u4"
    case .uint64: code = "u8"
    case .bool: code = "b1"
    }
    return (dtype.itemSize == 1 ? "|" : "<") + code
  }

  /// Parses what `numpy.dtype(descr)` accepts for Pollen's dtypes: an optional byte order
  /// (`<` little, `>` big, `=` or none native, `|` not applicable) followed by a kind and size
  /// (`f4`, `i8`, `b1`, …) or a one-letter type code (`f`, `d`, `e`, `?`, `b`, `B`, `h`, …),
  /// or a plain name such as `float32`.
  ///
  /// - Throws: a reason when the descriptor is malformed or names an unsupported type.
  init(parsing descr: String) throws(PollenError) {
    if let dtype = DType(rawValue: descr) {
      self.init(dtype: dtype, bigEndian: false)
      return
    }
    var rest = Substring(descr)
    var big = NPYDescr.nativeIsBig
    if let first = rest.first, "<>=|".contains(first) {
      if first == ">" { big = true }
      if first == "<" { big = false }
      rest = rest.dropFirst()
    }
    guard let dtype = NPYDescr.dtype(code: rest) else {
      throw PollenError(.invalidTensor, NPYDescr.unsupportedReason(descr, kind: rest.first))
    }
    self.init(dtype: dtype, bigEndian: dtype.itemSize == 1 ? false : big)
  }

  init(dtype: DType, bigEndian: Bool) {
    self.dtype = dtype
    self.bigEndian = bigEndian
  }

  #if _endian(big)
    static let nativeIsBig = true
  #else
    static let nativeIsBig = false
  #endif

  private static func dtype(code: Substring) -> DType? {
    switch code {
    case "f2", "e": return .float16
    case "f4", "f": return .float32
    case "f8", "d": return .float64
    case "i1", "b": return .int8
    case "i2", "h": return .int16
    case "i4", "i": return .int32
    case "i8", "q": return .int64
    case "u1", "B": return .uint8
    case "u2", "H": return .uint16
    case "u4", "I": return .uint32
    case "u8", "Q": return .uint64
    case "b1", "?": return .bool
    default: return nil
    }
  }

  private static func unsupportedReason(_ descr: String, kind: Character?) -> String {
    let what: String
    switch kind {
    case "O": what = "object arrays hold pickled Python objects, which Pollen never loads"
    case "c", "F", "D", "G": what = "complex dtypes are not supported"
    case "U", "S", "a": what = "string dtypes are not supported"
    case "V": what = "void (raw record) dtypes are not supported"
    case "M", "m": what = "datetime dtypes are not supported"
    default: what = "not a dtype Pollen supports (float16/32/64, int8…64, uint8…64, bool)"
    }
    return "unsupported .npy descr '\(descr)': \(what)"
  }
}

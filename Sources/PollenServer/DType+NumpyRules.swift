import PollenCore

/// numpy 2's casting and promotion rules for Pollen's dtypes, as Flower's aggregation relies on
/// them (numpy 2.4, the version Flower 1.41 installs; NEP 50 semantics).
extension DType {
  /// numpy's kind order for casting: bool < unsigned < signed < float.
  enum NumpyKind: Int, Comparable {
    case bool, unsigned, signed, float
    static func < (a: NumpyKind, b: NumpyKind) -> Bool { a.rawValue < b.rawValue }
  }

  var numpyKind: NumpyKind {
    switch self {
    case .bool: return .bool
    case .uint8, .uint16, .uint32, .uint64: return .unsigned
    case .int8, .int16, .int32, .int64: return .signed
    case .float16, .float32, .float64: return .float
    }
  }

  /// `numpy.can_cast(from, to, casting="same_kind")`: true when `self`'s kind is not above
  /// `to`'s (bool → anything, unsigned → signed or float, signed → float, and any size within a
  /// kind, downcasts included).
  func canCastSameKind(to target: DType) -> Bool { numpyKind <= target.numpyKind }

  /// `numpy.result_type(self, other)` (`numpy.promote_types`).
  func promoted(with other: DType) -> DType {
    if self == other { return self }
    let (a, b) = numpyKind >= other.numpyKind ? (self, other) : (other, self)
    switch (a.numpyKind, b.numpyKind) {
    case (_, .bool): return a
    case (.float, .float), (.signed, .signed), (.unsigned, .unsigned):
      return a.itemSize >= b.itemSize ? a : b
    case (.float, _):
      // An integer needs a float that holds it: 1 byte → float16, 2 → float32, else float64.
      let needed: DType = b.itemSize == 1 ? .float16 : (b.itemSize == 2 ? .float32 : .float64)
      return a.itemSize >= needed.itemSize ? a : needed
    case (.signed, .unsigned):
      if b == .uint64 { return .float64 }
      if a.itemSize > b.itemSize { return a }
      return [DType.int16, .int32, .int64].first { $0.itemSize > b.itemSize }!
    default:
      return a
    }
  }

  /// The dtype of `layer * num_examples / num_examples_total` in Flower's `aggregate` for a
  /// layer of this dtype (Python integers are weak scalars): bool becomes int64 by the product,
  /// and true division makes integers float64.
  var trueDivisionResult: DType { numpyKind == .float ? self : .float64 }
}

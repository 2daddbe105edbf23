import PollenCore

/// What a strategy carries from one round to the next (FedAvgM's momentum, FedOpt's moments, FedFS's
/// work contributions, a DP wrapper's noise generator, …), as named tensor lists and scalars, so a
/// run store can save it after every round and a resumed run continues exactly.
///
/// Keys are the strategy's own; a decorator nests its inner strategy's state under a prefix with
/// ``nesting(_:under:)`` and takes it back with ``nested(under:)``.
public struct StrategyState: Sendable, Hashable {
  /// Named lists of tensors.
  public var arrays: [String: [NDArray]]
  /// Named scalars.
  public var scalars: [String: Scalar]

  public init(arrays: [String: [NDArray]] = [:], scalars: [String: Scalar] = [:]) {
    self.arrays = arrays
    self.scalars = scalars
  }

  /// No state.
  public static let empty = StrategyState()

  public var isEmpty: Bool { arrays.isEmpty && scalars.isEmpty }

  /// This state with `inner`'s entries added under `prefix` + `/`.
  public func nesting(_ inner: StrategyState, under prefix: String) -> StrategyState {
    var out = self
    for (k, v) in inner.arrays { out.arrays["\(prefix)/\(k)"] = v }
    for (k, v) in inner.scalars { out.scalars["\(prefix)/\(k)"] = v }
    return out
  }

  /// The entries under `prefix` + `/`, with the prefix removed.
  public func nested(under prefix: String) -> StrategyState {
    let p = prefix + "/"
    var out = StrategyState()
    for (k, v) in arrays where k.hasPrefix(p) { out.arrays[String(k.dropFirst(p.count))] = v }
    for (k, v) in scalars where k.hasPrefix(p) { out.scalars[String(k.dropFirst(p.count))] = v }
    return out
  }

  /// The optional tensor list `key` (absent: `nil`).
  public func optionalArrays(_ key: String) -> [NDArray]? { arrays[key] }

  /// Sets or removes the tensor list `key`.
  public mutating func set(_ key: String, _ value: [NDArray]?) {
    arrays[key] = value
  }

  /// A random generator's state saved under `key`.
  public mutating func set(_ key: String, _ rng: SeededRandom) {
    for (i, word) in rng.state.enumerated() { scalars["\(key).\(i)"] = .uint(word) }
  }

  /// The random generator saved under `key`, or `nil`.
  public func random(_ key: String) throws(PollenError) -> SeededRandom? {
    let words = (0..<4).compactMap { i -> UInt64? in
      if case .uint(let w) = scalars["\(key).\(i)"] { return w }
      return nil
    }
    guard !words.isEmpty else { return nil }
    guard let rng = SeededRandom(state: words) else {
      throw PollenError(.invalidArgument, "strategy state \"\(key)\" is not a random generator state")
    }
    return rng
  }
}

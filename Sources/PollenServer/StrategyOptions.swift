import PollenCore

/// `key=value` options of one strategy, read with types and checked against the keys the
/// strategy accepts. Errors are `PollenError` `.invalidArgument` naming the valid choices.
public struct StrategyOptions: Sendable {
  /// The raw options, by Flower's snake_case name.
  public private(set) var values: [String: String]
  /// The strategy they are for (used in error messages).
  public let strategy: String

  /// The options `values` of `strategy`.
  public init(_ values: [String: String], strategy: String) {
    self.values = values
    self.strategy = strategy
  }

  /// Parses `key=value` pairs (as given to `--strategy-option`); the last of repeated keys wins.
  public static func parse(_ pairs: [String]) throws -> [String: String] {
    var out: [String: String] = [:]
    for pair in pairs {
      guard let eq = pair.firstIndex(of: "=") else {
        throw PollenError(.invalidArgument, "strategy option '\(pair)' is not key=value")
      }
      let key = String(pair[..<eq]).trimmed
      guard !key.isEmpty else { throw PollenError(.invalidArgument, "strategy option '\(pair)' has no key") }
      out[key] = String(pair[pair.index(after: eq)...]).trimmed
    }
    return out
  }

  /// Throws unless every key is one of `valid`.
  public func check(valid: [String]) throws {
    for key in values.keys.sorted() where !valid.contains(key) {
      let list = valid.isEmpty ? "none" : valid.sorted().joined(separator: ", ")
      throw PollenError(
        .invalidArgument, "unknown option '\(key)' for strategy \(strategy); valid options: \(list)")
    }
  }

  /// Whether `key` was given.
  public func has(_ key: String) -> Bool { values[key] != nil }

  /// The value of `key` as a double within `range`, or `fallback` when absent.
  public func double(_ key: String, _ fallback: Double, in range: ClosedRange<Double>? = nil) throws -> Double
  {
    guard let raw = values[key] else { return fallback }
    guard let v = Double(raw), v.isFinite else { throw invalid(key, raw, "a number") }
    if let range, !range.contains(v) {
      throw invalid(key, raw, "a number in \(range.lowerBound)...\(range.upperBound)")
    }
    return v
  }

  /// The value of `key` as an integer of at least `minimum`, or `fallback` when absent.
  public func int(_ key: String, _ fallback: Int, minimum: Int = 0) throws -> Int {
    guard let raw = values[key] else { return fallback }
    guard let v = Int(raw) ?? Double(raw).flatMap({ Int(exactly: $0) }), v >= minimum else {
      throw invalid(key, raw, "an integer ≥ \(minimum)")
    }
    return v
  }

  /// The value of `key` as a bool (`true/false`, `1/0`, `yes/no`), or `fallback` when absent.
  public func bool(_ key: String, _ fallback: Bool) throws -> Bool {
    guard let raw = values[key] else { return fallback }
    switch raw.lowercased() {
    case "true", "1", "yes": return true
    case "false", "0", "no": return false
    default: throw invalid(key, raw, "true or false")
    }
  }

  /// The value of `key` as one of `choices` (by raw value), or `fallback` when absent.
  public func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ fallback: T) throws -> T
  where T.RawValue == String {
    guard let raw = values[key] else { return fallback }
    guard let v = T(rawValue: raw) else {
      throw invalid(key, raw, "one of " + T.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return v
  }

  private func invalid(_ key: String, _ raw: String, _ expected: String) -> PollenError {
    PollenError(.invalidArgument, "option \(key)=\(raw) of strategy \(strategy): expected \(expected)")
  }
}

extension String {
  fileprivate var trimmed: String {
    var s = Substring(self)
    while let c = s.first, c.isWhitespace { s.removeFirst() }
    while let c = s.last, c.isWhitespace { s.removeLast() }
    return String(s)
  }
}

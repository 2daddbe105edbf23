/// The settings that define a run (strategy, its options, rounds, seeds, …) as ordered
/// name/value strings: saved with the run, shown by `pollen runs show`, and compared by
/// `--resume`, which refuses to continue a run under different settings.
public struct RunSettings: Sendable, Hashable, CustomStringConvertible {
  /// The settings in a stable order.
  public private(set) var entries: [Entry]

  /// One setting.
  public struct Entry: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  public init(_ entries: [(String, String)] = []) {
    self.entries = entries.map { Entry(name: $0.0, value: $0.1) }
  }

  /// The value of `name`, or `nil`.
  public subscript(name: String) -> String? { entries.first { $0.name == name }?.value }

  /// Adds or replaces a setting.
  public mutating func set(_ name: String, _ value: String) {
    if let i = entries.firstIndex(where: { $0.name == name }) {
      entries[i].value = value
    } else {
      entries.append(Entry(name: name, value: value))
    }
  }

  /// The first setting that differs between `self` (the stored run) and `other`, with both
  /// values (`nil` when absent on one side), or `nil` when they agree.
  public func firstDifference(from other: RunSettings) -> (name: String, stored: String?, given: String?)? {
    for e in entries where other[e.name] != e.value { return (e.name, e.value, other[e.name]) }
    for e in other.entries where self[e.name] == nil { return (e.name, nil, e.value) }
    return nil
  }

  public var description: String { entries.map { "\($0.name) = \($0.value)" }.joined(separator: "\n") }
}

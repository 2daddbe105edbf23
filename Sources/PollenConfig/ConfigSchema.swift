/// The options a command accepts, as a configuration file may set them: for each option its
/// command-line name, the TOML keys that set it and the kind of value it takes.
///
/// ```swift
/// let schema = ConfigSchema([
///   .init(option: "rounds", kind: .value(.int)),
///   .init(option: "resume", kind: .flag()),
///   .init(option: "strategy-option", kind: .keyValueTable, keys: ["strategy-options", "strategy-option"]),
/// ])
/// ```
public struct ConfigSchema: Sendable, Hashable {
  /// One kind of plain value.
  public enum Scalar: String, Sendable, Hashable, CaseIterable {
    /// A TOML integer.
    case int
    /// A TOML float or integer.
    case double
    /// A TOML string.
    case string
    /// A TOML boolean, passed as `true` or `false`.
    case bool
  }

  /// How a TOML value becomes command-line arguments.
  public enum Kind: Sendable, Hashable {
    /// One value: `rounds = 8` → `--rounds=8`.
    case value(Scalar)
    /// A flag: `resume = true` → `--resume`; `false` → `--INVERSION` when the flag has an
    /// inverse (`no-resume`), else nothing.
    case flag(inversion: String? = nil)
    /// A repeatable option: `tag = ["a", "b"]` → `--tag=a --tag=b` (one value is also accepted).
    case repeated(Scalar)
    /// One option with a comma-separated list: `round-timeout = [20, 40, 60]` →
    /// `--round-timeout=20,40,60` (one value is also accepted).
    case commaList(Scalar)
    /// A repeatable `key=value` option written as a table: `[strategy-options]` with
    /// `eta = 0.1` → `--strategy-option=eta=0.1`. The table's keys are passed as written.
    case keyValueTable
  }

  /// One option of the command.
  public struct Entry: Sendable, Hashable {
    /// The long name on the command line, without `--`.
    public var option: String
    /// What the option takes.
    public var kind: Kind
    /// The TOML keys that set it (the first is the one error messages show); `-` and `_` are
    /// interchangeable in them.
    public var keys: [String]

    /// An option set by `keys` (default: its own name).
    public init(option: String, kind: Kind, keys: [String]? = nil) {
      self.option = option
      self.kind = kind
      self.keys = keys ?? [option]
    }
  }

  /// The entries, in the order given.
  public private(set) var entries: [Entry]

  /// A schema of `entries`; a later entry for the same option replaces an earlier one.
  public init(_ entries: [Entry]) {
    self.entries = []
    for entry in entries { set(entry) }
  }

  /// Adds `entry`, or replaces the entry for the same option.
  public mutating func set(_ entry: Entry) {
    if let index = entries.firstIndex(where: { $0.option == entry.option }) {
      entries[index] = entry
    } else {
      entries.append(entry)
    }
  }

  /// The entry for the command-line option `option` (without `--`).
  public func entry(forOption option: String) -> Entry? { entries.first { $0.option == option } }

  /// The entry a TOML key sets (`round_timeout` finds `round-timeout`).
  public func entry(forKey key: String) -> Entry? {
    let wanted = Self.normalized(key)
    return entries.first { $0.keys.contains { Self.normalized($0) == wanted } }
  }

  /// The keys error messages list as known, sorted.
  public var knownKeys: [String] { entries.compactMap(\.keys.first).sorted() }

  /// `key` with `_` spelled `-`.
  static func normalized(_ key: String) -> String { String(key.map { $0 == "_" ? "-" : $0 }) }
}

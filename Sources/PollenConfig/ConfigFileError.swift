/// A configuration file that cannot be translated: where, and why, in one line
/// (`server.toml:3: unknown key "foo" (known: address, rounds)`).
public struct ConfigFileError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong.
  public enum Reason: Sendable, Hashable {
    /// The file is not valid TOML; the message is TOMLKit's.
    case syntax(String)
    /// A key the command has no option for; `known` lists the keys it has.
    case unknownKey(String, known: [String])
    /// A value of the wrong type: `key` must be `expected`, and is `found`.
    case wrongType(key: String, expected: String, found: String)
    /// Two spellings of one option (`round_timeout` and `round-timeout`).
    case duplicateKey(String, firstLine: Int?)
    /// The file could not be read.
    case unreadable(String)
  }

  /// The file's name as given.
  public var file: String
  /// The 1-based line, when known.
  public var line: Int?
  /// The 1-based column, when known (syntax errors).
  public var column: Int?
  /// Why.
  public var reason: Reason

  /// An error in `file` at `line` (and `column`).
  public init(file: String, line: Int?, column: Int? = nil, reason: Reason) {
    self.file = file
    self.line = line
    self.column = column
    self.reason = reason
  }

  /// `FILE:LINE[:COLUMN]: message`.
  public var description: String {
    var place = file
    if let line { place += ":\(line)" }
    if let line, line > 0, let column { place += ":\(column)" }
    return "\(place): \(message)"
  }

  /// The message without the place.
  public var message: String {
    switch reason {
    case .syntax(let text): return "TOML syntax error: \(text)"
    case .unknownKey(let key, let known):
      return "unknown key \"\(key)\" (known: \(known.joined(separator: ", ")))"
    case .wrongType(let key, let expected, let found): return "\"\(key)\" must be \(expected), found \(found)"
    case .duplicateKey(let key, let firstLine):
      return "\"\(key)\" is set twice" + (firstLine.map { " (first on line \($0))" } ?? "")
    case .unreadable(let why): return "cannot read the configuration file: \(why)"
    }
  }
}

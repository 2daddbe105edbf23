import TOMLKit

/// Translates a TOML configuration file into the command-line arguments that say the same, so a
/// command parses the file's settings exactly as it parses its flags.
///
/// ```toml
/// rounds = 8                    # --rounds=8
/// resume = true                 # --resume
/// round_timeout = [20, 40, 60]  # --round-timeout=20,40,60 (a comma list in the schema)
/// label-column = -1             # --label-column=-1
///
/// [strategy-options]            # --strategy-option=eta=0.1
/// eta = 0.1
/// ```
///
/// Keys may be spelled with `-` or `_`. Arguments come out in the order of the file's lines,
/// valued options as `--name=value` so that a value starting with `-` is never read as a flag.
public enum ConfigFile {
  /// The arguments `text` (the contents of the file named `file`) stands for under `schema`.
  /// - Throws: `ConfigFileError` naming the file, the line and the key: a TOML syntax error, an
  ///   unknown key, a value of the wrong type or an option set twice.
  public static func arguments(
    fromTOML text: String, file: String, schema: ConfigSchema
  ) throws(ConfigFileError) -> [String] {
    if let nul = text.utf8.firstIndex(of: 0) {
      // TOML forbids control characters; toml++ would silently stop reading at the first NUL.
      let line = text.utf8[..<nul].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
      throw ConfigFileError(
        file: file, line: line, reason: .syntax("a NUL byte (TOML allows no control characters)"))
    }
    if let line = TOMLPreCheck.firstProblem(in: text) {
      throw ConfigFileError(
        file: file, line: line,
        reason: .syntax("a table header must start with a key, and a value must follow `=`, `[` and `,`"))
    }
    let root: TOMLTable
    do {
      root = try TOMLTable(string: text)
    } catch let error as TOMLParseError {
      throw ConfigFileError(
        file: file, line: error.source.begin.line, column: error.source.begin.column,
        reason: .syntax(error.description))
    } catch {
      throw ConfigFileError(file: file, line: nil, reason: .syntax("\(error)"))
    }
    let lines = TOMLKeyLines(source: text)
    var arguments: [String] = []
    var seen: [String: Int?] = [:]
    for (key, value) in inFileOrder(root, path: [], lines: lines) {
      let line = lines.line(of: [key])
      guard let entry = schema.entry(forKey: key) else {
        throw ConfigFileError(file: file, line: line, reason: .unknownKey(key, known: schema.knownKeys))
      }
      if let first = seen[entry.option] {
        throw ConfigFileError(file: file, line: line, reason: .duplicateKey(key, firstLine: first))
      }
      seen[entry.option] = line
      let translator = Translator(file: file, key: key, line: line, lines: lines)
      arguments += try translator.arguments(for: value, entry: entry)
    }
    return arguments
  }

  /// The entries of `table` (at `path`) sorted by the line that sets them, then by key.
  static func inFileOrder(
    _ table: TOMLTable, path: [String], lines: TOMLKeyLines
  ) -> [(key: String, value: any TOMLValueConvertible)] {
    table.keys.compactMap { key in table[key].map { (key: key, value: $0) } }
      .sorted {
        let a = lines.line(of: path + [$0.key]) ?? .max
        let b = lines.line(of: path + [$1.key]) ?? .max
        return a != b ? a < b : $0.key < $1.key
      }
  }
}

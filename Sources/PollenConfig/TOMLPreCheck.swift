/// Finds what TOMLKit 0.6.0's bundled toml++ does not check but asserts on, aborting the process
/// instead of reporting a syntax error (found by `Fuzz/Sources/FuzzConfig`): a table header that
/// does not start with a key (`toml::impl::parser::parse_key`), a closing bracket where a value
/// must be (`parse_value`), and brackets closing the other kind of container.
///
/// Strings, comments and values' arrays and inline tables (which may span lines) are skipped,
/// so only brackets at the start of a line outside any value count as headers.
enum TOMLPreCheck {
  /// The 1-based line of the first such place, or `nil`.
  static func firstProblem(in text: String) -> Int? {
    let s = Array(text.unicodeScalars)
    var i = 0
    var line = 1
    var depth = 0  // open [ and { of values
    var atLineStart = true
    var containers: [Unicode.Scalar] = []
    /// The next character that is not a blank, a newline or in a comment (without moving).
    func nextSignificant() -> Unicode.Scalar? {
      var j = i
      while j < s.count {
        switch s[j] {
        case " ", "\t", "\r", "\n": j += 1
        case "#": while j < s.count && s[j] != "\n" { j += 1 }
        default: return s[j]
        }
      }
      return nil
    }
    func isBare(_ c: Unicode.Scalar) -> Bool {
      ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
    }
    func skipString(quote: Unicode.Scalar) {
      let multi = i + 2 < s.count && s[i + 1] == quote && s[i + 2] == quote
      i += multi ? 3 : 1
      while i < s.count {
        let c = s[i]
        if c == "\n" { line += 1 }
        if quote == "\"" && c == "\\" {
          i += 2
          continue
        }
        if c == quote {
          if !multi { i += 1; return }
          if i + 2 < s.count && s[i + 1] == quote && s[i + 2] == quote {
            i += 3
            while i < s.count && s[i] == quote { i += 1 }  // """" ends with a quote inside
            return
          }
        }
        if c == "\n" && !multi { i += 1; return }  // unterminated: toml++ reports it
        i += 1
      }
    }
    while i < s.count {
      let c = s[i]
      switch c {
      case "\n":
        line += 1
        atLineStart = true
        i += 1
        continue
      case " ", "\t", "\r":
        i += 1
        continue
      case "#":
        while i < s.count && s[i] != "\n" { i += 1 }
        continue
      case "\"", "'":
        skipString(quote: c)
      case "[" where atLineStart && depth == 0:
        var j = i + 1
        if j < s.count && s[j] == "[" { j += 1 }
        while j < s.count && (s[j] == " " || s[j] == "\t") { j += 1 }
        guard j < s.count, isBare(s[j]) || s[j] == "\"" || s[j] == "'" || s[j] == "]" else { return line }
        // The rest of the header line is toml++'s to judge.
        while i < s.count && s[i] != "\n" { i += 1 }
      case "[", "{", ",", "=":
        // A value must follow an array's `[` or `,`, and an inline table's `=`: toml++ asserts
        // on a closing bracket there instead of reporting it.
        if c == "[" || c == "{" {
          containers.append(c)
          depth += 1
        }
        let expectsValue = c == "=" || (containers.last == "[" && (c == "[" || c == ","))
        i += 1
        if expectsValue, let next = nextSignificant(),
          next == "}" || (c == "=" && (next == "]" || next == ","))
        {
          return line
        }
        continue
      case "]", "}":
        // A bracket closing the other kind of container.
        if let open = containers.popLast(), (open == "[") != (c == "]") { return line }
        depth = max(0, depth - 1)
        i += 1
      default:
        i += 1
      }
      atLineStart = false
    }
    return nil
  }
}

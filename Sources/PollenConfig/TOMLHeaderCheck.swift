/// Finds table headers that do not start with a key (`[` or `[[`, optional blanks, then neither
/// a bare-key character nor a quote), which TOMLKit 0.6.0's bundled toml++ does not check: it
/// asserts and aborts the process (`toml::impl::parser::parse_key`) instead of reporting a
/// syntax error. Found by `Fuzz/Sources/FuzzConfig`.
///
/// Strings, comments and values' arrays and inline tables (which may span lines) are skipped,
/// so only brackets at the start of a line outside any value count as headers.
enum TOMLHeaderCheck {
  /// The 1-based line of the first bad header, or `nil`.
  static func firstBadHeader(in text: String) -> Int? {
    let s = Array(text.unicodeScalars)
    var i = 0
    var line = 1
    var depth = 0  // open [ and { of values
    var atLineStart = true
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
      case "[", "{":
        depth += 1
        i += 1
      case "]", "}":
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

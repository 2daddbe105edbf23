/// Python 3 integer literal syntax: decimal without leading zeros, `0x`/`0o`/`0b` prefixes, and
/// single `_` separators between digits.
enum PythonIntegerSyntax {
  /// The value of an integer literal, or `nil` if `token` is not one or does not fit in `Int`.
  static func value(_ token: String) -> Int? {
    let (digits, radix) = splitRadix(token)
    guard isDigitsWithSeparators(digits, radix: radix) else { return nil }
    let leadingZero = digits.count > 1 && digits.first == "0" && digits.contains { $0 != "0" && $0 != "_" }
    if radix == 10 && leadingZero { return nil }  // Python 3 forbids leading zeros: 01 is an error
    return Int(String(digits.filter { $0 != "_" }), radix: radix)
  }

  /// Whether `token` is an integer literal, whatever its size.
  static func isValid(_ token: String) -> Bool {
    let (digits, radix) = splitRadix(token)
    return isDigitsWithSeparators(digits, radix: radix) && !(radix == 10 && digits.first == "0")
  }

  static func splitRadix(_ token: String) -> (Substring, Int) {
    let lower = token.lowercased()
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
      var rest = Substring(token.dropFirst(2))
      if rest.first == "_" { rest = rest.dropFirst() }
      return (rest, radix)
    }
    return (Substring(token), 10)
  }

  /// Digits of `radix` with single `_` between digits, at least one digit.
  static func isDigitsWithSeparators(_ s: Substring, radix: Int) -> Bool {
    guard let first = s.first, let last = s.last, first != "_", last != "_" else { return false }
    var previousUnderscore = false
    for ch in s {
      if ch == "_" {
        if previousUnderscore { return false }
        previousUnderscore = true
      } else {
        guard ch.isASCII, ch.hexDigitValue.map({ $0 < radix }) == true else { return false }
        previousUnderscore = false
      }
    }
    return true
  }
}

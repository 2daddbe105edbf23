/// A Python literal as `ast.literal_eval` reads it, limited to what an `.npy` header may hold.
///
/// `.npy` headers are the `repr` of a dict; Pollen parses them with this small recursive-descent
/// parser instead of evaluating anything.
enum PythonLiteral {
  case string(String)
  /// An integer; `nil` when it does not fit in `Int`.
  case int(Int?)
  case float
  case bool(Bool)
  case none
  case tuple([PythonLiteral])
  case list([PythonLiteral])
  case dict([(key: PythonLiteral, value: PythonLiteral)])

  /// The Python type name, for error messages.
  var typeName: String {
    switch self {
    case .string: return "str"
    case .int: return "int"
    case .float: return "float"
    case .bool: return "bool"
    case .none: return "NoneType"
    case .tuple: return "tuple"
    case .list: return "list"
    case .dict: return "dict"
    }
  }

  /// Parses `source` as one Python literal followed only by whitespace and comments.
  ///
  /// - Parameters:
  ///   - latin1: decode string literals as Latin-1 (versions 1.0 and 2.0) instead of UTF-8.
  ///   - allowLongSuffix: accept Python 2's `L` suffix on integers, as numpy does for 1.0/2.0.
  /// - Throws: a description of the syntax error.
  static func parse(_ source: [UInt8], latin1: Bool, allowLongSuffix: Bool) throws(PythonLiteralError)
    -> PythonLiteral
  {
    var parser = PythonLiteralParser(
      source: source, latin1: latin1, allowLongSuffix: allowLongSuffix)
    let value = try parser.parseValue()
    parser.skipTrivia()
    guard parser.atEnd else { throw parser.error("unexpected characters after the literal") }
    return value
  }
}

/// Why a header is not a Python literal.
struct PythonLiteralError: Error, CustomStringConvertible {
  var message: String
  var offset: Int
  var description: String { "\(message) at offset \(offset)" }
}

private struct PythonLiteralParser {
  let source: [UInt8]
  let latin1: Bool
  let allowLongSuffix: Bool
  var pos = 0
  var depth = 0
  /// Nesting limit: keeps hostile input such as a million `(` from exhausting the stack.
  static let maxDepth = 32

  var atEnd: Bool { pos >= source.count }
  var current: UInt8? { pos < source.count ? source[pos] : nil }

  func error(_ message: String) -> PythonLiteralError {
    PythonLiteralError(message: message, offset: pos)
  }

  mutating func skipTrivia() {
    while let c = current {
      switch c {
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0C:
        pos += 1
      case UInt8(ascii: "#"):
        while let c = current, c != UInt8(ascii: "\n"), c != UInt8(ascii: "\r") { pos += 1 }
      default:
        return
      }
    }
  }

  mutating func parseValue() throws(PythonLiteralError) -> PythonLiteral {
    skipTrivia()
    guard let c = current else { throw error("unexpected end of header") }
    switch c {
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
      depth += 1
      defer { depth -= 1 }
      guard depth <= Self.maxDepth else { throw error("literal nested too deeply") }
      pos += 1
      if c == UInt8(ascii: "(") { return try parseParenthesized() }
      if c == UInt8(ascii: "[") { return .list(try parseSequence(closing: UInt8(ascii: "]"))) }
      return try parseDict()
    case UInt8(ascii: "-"), UInt8(ascii: "+"):
      pos += 1
      skipTrivia()
      guard let d = current, isDigit(d) || d == UInt8(ascii: ".") else {
        throw error("a sign must be followed by a number")
      }
      let number = try parseNumber()
      if c == UInt8(ascii: "-"), case .int(let v?) = number { return .int(0 - v) }
      return number
    default:
      if isDigit(c) || c == UInt8(ascii: ".") { return try parseNumber() }
      if isIdentifierStart(c) { return try parseName() }
      throw error("unexpected character \(describe(c))")
    }
  }

  /// After `(`: `()`, `(x)` (just x), `(x,)`, `(x, y)`, `(x, y,)`.
  mutating func parseParenthesized() throws(PythonLiteralError) -> PythonLiteral {
    skipTrivia()
    if current == UInt8(ascii: ")") {
      pos += 1
      return .tuple([])
    }
    let first = try parseValue()
    skipTrivia()
    if current == UInt8(ascii: ")") {
      pos += 1
      return first
    }
    guard current == UInt8(ascii: ",") else { throw error("expected ',' or ')' in a tuple") }
    pos += 1
    return .tuple([first] + (try parseSequence(closing: UInt8(ascii: ")"))))
  }

  /// Comma-separated values up to `closing` (consumed); a trailing comma is allowed.
  mutating func parseSequence(closing: UInt8) throws(PythonLiteralError) -> [PythonLiteral] {
    var items: [PythonLiteral] = []
    while true {
      skipTrivia()
      if current == closing {
        pos += 1
        return items
      }
      items.append(try parseValue())
      skipTrivia()
      if current == UInt8(ascii: ",") {
        pos += 1
      } else if current == closing {
        pos += 1
        return items
      } else {
        throw error("expected ',' or '\(Character(Unicode.Scalar(closing)))'")
      }
    }
  }

  mutating func parseDict() throws(PythonLiteralError) -> PythonLiteral {
    var entries: [(key: PythonLiteral, value: PythonLiteral)] = []
    while true {
      skipTrivia()
      if current == UInt8(ascii: "}") {
        pos += 1
        return .dict(entries)
      }
      let key = try parseValue()
      skipTrivia()
      guard current == UInt8(ascii: ":") else { throw error("expected ':' after a dict key") }
      pos += 1
      let value = try parseValue()
      entries.append((key, value))
      skipTrivia()
      if current == UInt8(ascii: ",") {
        pos += 1
      } else if current == UInt8(ascii: "}") {
        pos += 1
        return .dict(entries)
      } else {
        throw error("expected ',' or '}' in a dict")
      }
    }
  }

  mutating func parseString() throws(PythonLiteralError) -> String {
    guard let quote = current else { throw error("unexpected end of header") }
    pos += 1
    var bytes: [UInt8] = []
    while true {
      guard let c = current else { throw error("unterminated string") }
      pos += 1
      if c == quote { break }
      if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") { throw error("newline in a string") }
      if c == UInt8(ascii: "\\") {
        guard let e = current else { throw error("unterminated string") }
        pos += 1
        switch e {
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): bytes.append(e)
        case UInt8(ascii: "n"): bytes.append(UInt8(ascii: "\n"))
        case UInt8(ascii: "t"): bytes.append(UInt8(ascii: "\t"))
        default: throw error("unsupported escape \\\(describe(e)) in a string")
        }
      } else {
        bytes.append(c)
      }
    }
    if latin1 {
      var s = ""
      s.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
      return s
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// A number token: decimal, `0x`/`0o`/`0b` integers (with `_` separators), or a float.
  mutating func parseNumber() throws(PythonLiteralError) -> PythonLiteral {
    let start = pos
    while let c = current {
      let isHex = pos - start >= 2 && (source[start + 1] | 0x20) == UInt8(ascii: "x")
      let exponentSign =
        (c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) && !isHex
        && (source[pos - 1] | 0x20) == UInt8(ascii: "e")
      guard isDigit(c) || isIdentifierStart(c) || c == UInt8(ascii: ".") || exponentSign else { break }
      pos += 1
    }
    var token = String(decoding: source[start..<pos], as: UTF8.self)
    if allowLongSuffix, token.count > 1, token.last == "L" || token.last == "l" { token.removeLast() }
    if let value = Self.integer(token) { return .int(value) }
    if Self.isIntegerSyntax(token) { return .int(nil) }  // valid but larger than Int
    if Double(token.filter { $0 != "_" }) != nil, !token.hasSuffix("_") {
      return .float
    }
    pos = start
    throw error("invalid number '\(token)'")
  }

  mutating func parseName() throws(PythonLiteralError) -> PythonLiteral {
    let start = pos
    while let c = current, isIdentifierStart(c) || isDigit(c) { pos += 1 }
    switch String(decoding: source[start..<pos], as: UTF8.self) {
    case "True": return .bool(true)
    case "False": return .bool(false)
    case "None": return .none
    case let name:
      pos = start
      throw error("unexpected name '\(name)' (only True, False and None are literals)")
    }
  }

  static func integer(_ token: String) -> Int? {
    let (digits, radix) = splitRadix(token)
    guard isDigitsWithSeparators(digits, radix: radix) else { return nil }
    if radix == 10, digits.count > 1, digits.first == "0", digits.contains(where: { $0 != "0" && $0 != "_" })
    {
      return nil  // Python 3 forbids leading zeros
    }
    return Int(String(digits.filter { $0 != "_" }), radix: radix)
  }

  static func isIntegerSyntax(_ token: String) -> Bool {
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

private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

private func isIdentifierStart(_ c: UInt8) -> Bool {
  (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    || c == UInt8(ascii: "_")
}

private func describe(_ c: UInt8) -> String {
  c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "0x" + String(c, radix: 16)
}

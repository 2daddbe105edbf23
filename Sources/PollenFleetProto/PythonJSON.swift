#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The JSON bodies of Flower's `Array`, `ArrayRecord` and `RecordDict` objects, written byte for
/// byte as Python's `json.dumps` writes them with its defaults and read with their key order kept.
///
/// `json.dumps(obj)` (Python's `json/encoder.py`) separates items with `", "` and keys from values
/// with `": "`, escapes every character outside printable ASCII (`ensure_ascii=True`: `\"`, `\\`,
/// `\n`, `\r`, `\t`, `\b`, `\f`, else `\u` and four lowercase hex digits, non-BMP characters as a
/// surrogate pair) and leaves `/` alone. Only what the bodies use is supported: objects, arrays,
/// strings and integers.
enum PythonJSON {
  /// A JSON value; objects keep their key order.
  indirect enum Value {
    case string(String)
    case integer(Int)
    case array([Value])
    case object([(key: String, value: Value)])
  }

  /// `json.dumps(value).encode("utf-8")`.
  static func dumps(_ value: Value) -> Data {
    var out: [UInt8] = []
    write(value, to: &out)
    return Data(out)
  }

  private static func write(_ value: Value, to out: inout [UInt8]) {
    switch value {
    case .string(let s): writeString(s, to: &out)
    case .integer(let i): out.append(contentsOf: String(i).utf8)
    case .array(let items):
      out.append(UInt8(ascii: "["))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(contentsOf: ", ".utf8) }
        write(item, to: &out)
      }
      out.append(UInt8(ascii: "]"))
    case .object(let items):
      out.append(UInt8(ascii: "{"))
      for (i, item) in items.enumerated() {
        if i > 0 { out.append(contentsOf: ", ".utf8) }
        writeString(item.key, to: &out)
        out.append(contentsOf: ": ".utf8)
        write(item.value, to: &out)
      }
      out.append(UInt8(ascii: "}"))
    }
  }

  private static func writeString(_ s: String, to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    func unicodeEscape(_ unit: UInt16) {
      out.append(contentsOf: "\\u".utf8)
      for shift in stride(from: 12, through: 0, by: -4) {
        out.append(hex[Int((unit >> UInt16(shift)) & 0xf)])
      }
    }
    out.append(UInt8(ascii: "\""))
    for scalar in s.unicodeScalars {
      switch scalar.value {
      case 0x22: out.append(contentsOf: "\\\"".utf8)
      case 0x5c: out.append(contentsOf: "\\\\".utf8)
      case 0x0a: out.append(contentsOf: "\\n".utf8)
      case 0x0d: out.append(contentsOf: "\\r".utf8)
      case 0x09: out.append(contentsOf: "\\t".utf8)
      case 0x08: out.append(contentsOf: "\\b".utf8)
      case 0x0c: out.append(contentsOf: "\\f".utf8)
      case 0x20...0x7e: out.append(UInt8(scalar.value))
      default:
        for unit in String(scalar).utf16 { unicodeEscape(unit) }
      }
    }
    out.append(UInt8(ascii: "\""))
  }

  /// Parses `data` as one JSON value (`json.loads(data.decode("utf-8"))`), refusing what the
  /// bodies never hold: numbers that are not integers, `true`, `false`, `null`, lone surrogates,
  /// repeated keys in an object.
  ///
  /// - Returns: The value, or the reason it is not valid.
  static func loads(_ data: Data) -> Result<Value, ParseError> {
    var parser = Parser(bytes: [UInt8](data))
    do throws(ParseError) {
      parser.skipWhitespace()
      let value = try parser.value(depth: 0)
      parser.skipWhitespace()
      guard parser.index == parser.bytes.count else { throw parser.error("extra data after the value") }
      return .success(value)
    } catch {
      return .failure(error)
    }
  }

  /// Parses `data` as a JSON object, keeping its key order.
  static func loadObject(_ data: Data) -> Result<[(key: String, value: Value)], ParseError> {
    switch loads(data) {
    case .success(.object(let fields)): .success(fields)
    case .success: .failure(ParseError(description: "not a JSON object"))
    case .failure(let error): .failure(error)
    }
  }

  /// Parses the body of an `ArrayRecord` or a `RecordDict`: an object whose values are object IDs
  /// (`{"name": "<id>", …}`), in key order.
  static func loadReferences(_ data: Data) -> Result<[(name: String, id: String)], ParseError> {
    switch loadObject(data) {
    case .success(let fields):
      var references: [(name: String, id: String)] = []
      for (key, value) in fields {
        guard case .string(let id) = value, InflatableObject.isValidObjectID(id) else {
          return .failure(ParseError(description: "the value of \"\(key)\" is not an object ID"))
        }
        references.append((key, id))
      }
      return .success(references)
    case .failure(let error): return .failure(error)
    }
  }

  /// `{"name": "<id>", …}` for the references, in order.
  static func dumpReferences(_ references: [(name: String, id: String)]) -> Data {
    dumps(.object(references.map { ($0.name, .string($0.id)) }))
  }

  /// Why a body is not the JSON expected.
  struct ParseError: Error, CustomStringConvertible {
    var description: String
  }

  private struct Parser {
    let bytes: [UInt8]
    var index = 0

    func error(_ what: String) -> ParseError { ParseError(description: "\(what) at byte \(index)") }

    mutating func skipWhitespace() {
      while index < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ byte: UInt8) throws(ParseError) {
      guard index < bytes.count, bytes[index] == byte else {
        throw error("expected \"\(Character(Unicode.Scalar(byte)))\"")
      }
      index += 1
    }

    mutating func value(depth: Int) throws(ParseError) -> Value {
      guard depth < 64 else { throw error("nested too deeply") }
      guard index < bytes.count else { throw error("unexpected end") }
      switch bytes[index] {
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
      case UInt8(ascii: "["):
        index += 1
        var items: [Value] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
          index += 1
          return .array(items)
        }
        while true {
          skipWhitespace()
          items.append(try value(depth: depth + 1))
          skipWhitespace()
          if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
            index += 1
            continue
          }
          try expect(UInt8(ascii: "]"))
          return .array(items)
        }
      case UInt8(ascii: "{"):
        index += 1
        var items: [(key: String, value: Value)] = []
        var keys: Set<String> = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
          index += 1
          return .object(items)
        }
        while true {
          skipWhitespace()
          guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a key") }
          let key = try string()
          guard keys.insert(key).inserted else { throw error("key \"\(key)\" repeated") }
          skipWhitespace()
          try expect(UInt8(ascii: ":"))
          skipWhitespace()
          items.append((key, try value(depth: depth + 1)))
          skipWhitespace()
          if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
            index += 1
            continue
          }
          try expect(UInt8(ascii: "}"))
          return .object(items)
        }
      default:
        throw error("expected a string, an integer, an array or an object")
      }
    }

    mutating func integer() throws(ParseError) -> Int {
      let start = index
      if bytes[index] == UInt8(ascii: "-") { index += 1 }
      let digits = index
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
      guard index > digits else { throw error("expected digits") }
      guard bytes[digits] != UInt8(ascii: "0") || index == digits + 1 else { throw error("leading zero") }
      if index < bytes.count,
        [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index])
      {
        throw error("not an integer")
      }
      guard let value = Int(String(decoding: bytes[start..<index], as: UTF8.self)) else {
        throw error("integer out of range")
      }
      return value
    }

    mutating func hex4() throws(ParseError) -> UInt16 {
      let digits = index + 4 <= bytes.count ? bytes[index..<(index + 4)] : []
      guard digits.count == 4, digits.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
        let unit = UInt16(String(decoding: digits, as: UTF8.self), radix: 16)
      else { throw error("bad \\u escape") }
      index += 4
      return unit
    }

    mutating func string() throws(ParseError) -> String {
      index += 1  // the opening quote
      var scalars = String.UnicodeScalarView()
      var run = index  // start of unescaped bytes not yet copied
      func flush(_ end: Int) throws(ParseError) {
        guard let text = String(validating: bytes[run..<end], as: UTF8.self) else { throw error("not UTF-8") }
        scalars.append(contentsOf: text.unicodeScalars)
      }
      while true {
        guard index < bytes.count else { throw error("unterminated string") }
        let byte = bytes[index]
        if byte == UInt8(ascii: "\"") {
          try flush(index)
          index += 1
          return String(scalars)
        }
        if byte < 0x20 { throw error("control character in a string") }
        guard byte == UInt8(ascii: "\\") else {
          index += 1
          continue
        }
        try flush(index)
        index += 1
        guard index < bytes.count else { throw error("unterminated escape") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0c}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
          let unit = try hex4()
          var value = UInt32(unit)
          if (0xd800..<0xdc00).contains(unit) {
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
              bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("lone surrogate") }
            index += 2
            let low = try hex4()
            guard (0xdc00..<0xe000).contains(low) else { throw error("lone surrogate") }
            value = 0x10000 + ((UInt32(unit) - 0xd800) << 10) + (UInt32(low) - 0xdc00)
          }
          guard let scalar = Unicode.Scalar(value) else { throw error("lone surrogate") }
          scalars.append(scalar)
        default:
          throw error("bad escape")
        }
        run = index
      }
    }
  }
}

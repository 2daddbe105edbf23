/// The line on which each key of a TOML document is set, found by scanning its text (TOMLKit
/// does not report where a value came from).
///
/// A key's path is its table header's path plus its own (dotted) parts: `[strategy-options]`
/// then `eta = 0.1` sets `["strategy-options", "eta"]`, as does `strategy-options.eta = 0.1`.
/// A header or the first part of a dotted key also records the tables it opens. Keys inside an
/// inline table are not recorded; `line(of:)` then answers with the line of the inline table.
/// The text is assumed to be valid TOML (TOMLKit parsed it first).
struct TOMLKeyLines {
  private var lines: [[String]: Int] = [:]

  /// The key lines of `source`.
  init(source: String) {
    var scanner = Scanner(bytes: Array(source.utf8))
    scanner.run()
    lines = scanner.lines
  }

  /// The line of `path`, else of its longest recorded prefix; nil when nothing of it is known.
  func line(of path: [String]) -> Int? {
    var path = path
    while !path.isEmpty {
      if let line = lines[path] { return line }
      path.removeLast()
    }
    return nil
  }
}

extension TOMLKeyLines {
  /// A single pass over the document's bytes, statement by statement.
  fileprivate struct Scanner {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var lines: [[String]: Int] = [:]

    init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }
    private func peek(_ offset: Int) -> UInt8? {
      index + offset < bytes.count ? bytes[index + offset] : nil
    }

    mutating func run() {
      var table: [String] = []
      while true {
        skipTrivia()
        guard let byte = current else { return }
        if byte == UInt8(ascii: "[") {
          let isArrayTable = peek(1) == UInt8(ascii: "[")
          index += isArrayTable ? 2 : 1
          table = keyPath()
          record(table, from: 1)
          skipLine()
        } else {
          let start = index
          let path = table + keyPath()
          record(path, from: table.count + 1)
          skipSpaces()
          if current == UInt8(ascii: "=") { index += 1 }
          skipValue()
          if index == start { skipLine() }  // not TOML; never loop in place
        }
      }
    }

    /// Records the line of each prefix of `path` at least `from` parts long, unless known.
    private mutating func record(_ path: [String], from: Int) {
      // A key that reads as nothing (the file is not TOML there) adds nothing below its table.
      guard path.count >= max(from, 1) else { return }
      for count in max(from, 1)...path.count where lines[Array(path.prefix(count))] == nil {
        lines[Array(path.prefix(count))] = line
      }
    }

    // MARK: keys

    private mutating func keyPath() -> [String] {
      var parts: [String] = []
      while true {
        skipSpaces()
        guard let byte = current else { return parts }
        if byte == UInt8(ascii: "\"") {
          parts.append(quotedKey(basic: true))
        } else if byte == UInt8(ascii: "'") {
          parts.append(quotedKey(basic: false))
        } else {
          let start = index
          while let b = current, Self.isBareKeyByte(b) { index += 1 }
          guard index > start else { return parts }
          parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
        }
        skipSpaces()
        guard current == UInt8(ascii: ".") else { return parts }
        index += 1
      }
    }

    private mutating func quotedKey(basic: Bool) -> String {
      let quote = bytes[index]
      index += 1
      var key: [UInt8] = []
      while let byte = current, byte != quote, byte != UInt8(ascii: "\n") {
        index += 1
        guard basic, byte == UInt8(ascii: "\\"), let escaped = current else {
          key.append(byte)
          continue
        }
        index += 1
        switch escaped {
        case UInt8(ascii: "n"): key.append(UInt8(ascii: "\n"))
        case UInt8(ascii: "t"): key.append(UInt8(ascii: "\t"))
        case UInt8(ascii: "r"): key.append(UInt8(ascii: "\r"))
        case UInt8(ascii: "b"): key.append(8)
        case UInt8(ascii: "f"): key.append(12)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
          let digits = escaped == UInt8(ascii: "u") ? 4 : 8
          let end = min(index + digits, bytes.count)
          let hex = String(decoding: bytes[index..<end], as: UTF8.self)
          index = end
          if let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
            key.append(contentsOf: Array(String(Character(scalar)).utf8))
          }
        default: key.append(escaped)
        }
      }
      if current == quote { index += 1 }
      return String(decoding: key, as: UTF8.self)
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
        return true
      default: return false
      }
    }

    // MARK: values

    /// Skips one value: a string of any kind, an array or inline table (nested, over lines), or
    /// a plain scalar up to the end of the line or a comment.
    private mutating func skipValue() {
      skipSpaces()
      guard let byte = current else { return }
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "'"): skipString()
      case UInt8(ascii: "["), UInt8(ascii: "{"): skipNested()
      default:
        while let b = current, b != UInt8(ascii: "\n"), b != UInt8(ascii: "#"), b != UInt8(ascii: ",") {
          if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") { return }
          index += 1
        }
      }
    }

    private mutating func skipNested() {
      var depth = 0
      while let byte = current {
        switch byte {
        case UInt8(ascii: "["), UInt8(ascii: "{"):
          depth += 1
          index += 1
        case UInt8(ascii: "]"), UInt8(ascii: "}"):
          depth -= 1
          index += 1
          if depth == 0 { return }
        case UInt8(ascii: "\""), UInt8(ascii: "'"): skipString()
        case UInt8(ascii: "#"): skipComment()
        case UInt8(ascii: "\n"):
          line += 1
          index += 1
        default: index += 1
        }
      }
    }

    /// Skips a basic or literal string, single- or multi-line, counting its newlines.
    private mutating func skipString() {
      let quote = bytes[index]
      let basic = quote == UInt8(ascii: "\"")
      let multiline = peek(1) == quote && peek(2) == quote
      index += multiline ? 3 : 1
      while let byte = current {
        if basic, byte == UInt8(ascii: "\\") {
          if peek(1) == UInt8(ascii: "\n") { line += 1 }
          index += 2
          continue
        }
        if byte == UInt8(ascii: "\n") {
          line += 1
          index += 1
          if !multiline { return }
          continue
        }
        if byte == quote {
          if !multiline {
            index += 1
            return
          }
          if peek(1) == quote, peek(2) == quote {
            index += 3
            // Up to two more quotes belong to the string's content.
            var extra = 0
            while extra < 2, current == quote {
              index += 1
              extra += 1
            }
            return
          }
        }
        index += 1
      }
    }

    // MARK: trivia

    private mutating func skipSpaces() {
      while let b = current, b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
        index += 1
      }
    }

    private mutating func skipComment() {
      while let b = current, b != UInt8(ascii: "\n") { index += 1 }
    }

    /// Skips spaces, comments and line ends.
    private mutating func skipTrivia() {
      while true {
        skipSpaces()
        guard let byte = current else { return }
        if byte == UInt8(ascii: "#") {
          skipComment()
        } else if byte == UInt8(ascii: "\n") {
          line += 1
          index += 1
        } else {
          return
        }
      }
    }

    /// Skips the rest of a header line (`]`, `]]`, a comment).
    private mutating func skipLine() {
      while let b = current, b != UInt8(ascii: "\n") { index += 1 }
    }
  }
}

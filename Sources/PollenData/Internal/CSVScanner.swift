import Foundation

/// One field of a CSV row: a byte range of the input (surrounding quotes and blanks removed).
struct CSVField {
  var start: Int
  var end: Int
  /// Whether the field was quoted; its bytes may then hold `""` escapes.
  var quoted: Bool
}

/// Splits CSV bytes into rows of fields without copying them, counting physical lines (1-based)
/// for error messages. Blank lines are skipped; `\r\n` endings are accepted; fields may be
/// double-quoted (with `""` for a quote) but a quoted field may not span lines.
struct CSVScanner {
  let bytes: UnsafeBufferPointer<UInt8>
  let delimiter: UInt8
  private var position = 0
  /// The physical line number of the row last returned by ``nextRow(into:)``.
  private(set) var line = 0

  init(bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8) {
    self.bytes = bytes
    self.delimiter = delimiter
    // Skip a UTF-8 byte-order mark.
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
  }

  /// Reads the next non-blank row into `fields`; returns `false` at the end of the input.
  /// - Throws: a message (without the line prefix) for an unterminated or malformed quote.
  mutating func nextRow(into fields: inout [CSVField]) throws(CSVScanError) -> Bool {
    while position < bytes.count {
      line += 1
      let lineStart = position
      var lineEnd = lineStart
      while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
      position = lineEnd + 1
      if lineEnd > lineStart && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
      var first = lineStart
      while first < lineEnd && isBlank(bytes[first]) { first += 1 }
      if first == lineEnd { continue }
      fields.removeAll(keepingCapacity: true)
      try split(lineStart, lineEnd, into: &fields)
      return true
    }
    return false
  }

  private func isBlank(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
  }

  private func split(_ lineStart: Int, _ lineEnd: Int, into fields: inout [CSVField]) throws(CSVScanError) {
    let quote = UInt8(ascii: "\"")
    var i = lineStart
    while true {
      while i < lineEnd && isBlank(bytes[i]) && bytes[i] != delimiter { i += 1 }
      if i < lineEnd && bytes[i] == quote {
        i += 1
        let start = i
        while i < lineEnd {
          if bytes[i] == quote {
            if i + 1 < lineEnd && bytes[i + 1] == quote {
              i += 2
              continue
            }
            break
          }
          i += 1
        }
        guard i < lineEnd else {
          throw CSVScanError("unterminated quoted field (quoted fields cannot span lines)")
        }
        fields.append(CSVField(start: start, end: i, quoted: true))
        i += 1
        while i < lineEnd && isBlank(bytes[i]) && bytes[i] != delimiter { i += 1 }
        guard i == lineEnd || bytes[i] == delimiter else {
          throw CSVScanError("unexpected text after the closing quote of field \(fields.count)")
        }
      } else {
        let start = i
        while i < lineEnd && bytes[i] != delimiter { i += 1 }
        var end = i
        while end > start && isBlank(bytes[end - 1]) { end -= 1 }
        fields.append(CSVField(start: start, end: end, quoted: false))
      }
      if i >= lineEnd { return }
      i += 1  // the delimiter; a trailing one leaves an empty last field
    }
  }

  /// The text of `field`, with `""` escapes resolved.
  func string(_ field: CSVField) -> String {
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[field.start..<field.end]), as: UTF8.self)
    return field.quoted ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
  }

  /// The value of `field` if it is a finite decimal number (`12`, `-0.5`, `1e-3`).
  func number(_ field: CSVField) -> Double? {
    let count = field.end - field.start
    guard count > 0 else { return nil }
    // Fast path: an optionally signed integer of at most 18 digits (pixel values, counts).
    if !field.quoted && count <= 19 {
      var i = field.start
      var negative = false
      if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
        negative = bytes[i] == UInt8(ascii: "-")
        i += 1
      }
      // 19 unsigned digits can pass Int64.max (a trap found by FuzzCSV): those take the slow path.
      if i < field.end && field.end - i <= 18 {
        var value: Int64 = 0
        var allDigits = true
        while i < field.end {
          let digit = bytes[i] &- UInt8(ascii: "0")
          if digit > 9 {
            allDigits = false
            break
          }
          value = value * 10 + Int64(digit)
          i += 1
        }
        if allDigits { return Double(negative ? -value : value) }
      }
    }
    guard let value = Double(string(field)), value.isFinite else { return nil }
    return value
  }
}

/// A CSV syntax problem found by ``CSVScanner``; the loader adds the line number.
struct CSVScanError: Error {
  var message: String
  init(_ message: String) { self.message = message }
}

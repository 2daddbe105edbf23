/// Walks the fields of a serialized protobuf message in `bytes[from..<to]` without decoding
/// them: each field's number, wire type and where its bytes are.
package struct ProtobufFieldReader {
  package struct Field {
    package var number: UInt64
    package var wireType: UInt64
    /// Where the field's tag begins, and where its payload (length-delimited: after the
    /// length) begins and ends.
    package var tagStart: Int
    package var start: Int
    package var end: Int
  }

  package let bytes: UnsafeRawBufferPointer
  package private(set) var index: Int
  package let end: Int

  /// A reader of the fields in `bytes[from..<to]`.
  package init(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) {
    self.bytes = bytes
    self.index = from
    self.end = to
  }

  /// Whether every field has been read.
  package var atEnd: Bool { index >= end }

  /// The next varint, or `nil` when it runs past the end or past 64 bits.
  package mutating func varint() -> UInt64? {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while index < end, shift < 64 {
      let byte = bytes[index]
      index += 1
      value |= UInt64(byte & 0x7f) << shift
      if byte & 0x80 == 0 { return value }
      shift += 7
    }
    return nil
  }

  /// The next field, or `nil` when it is malformed or of a wire type protobuf does not define (or a group).
  package mutating func field() -> Field? {
    let tagStart = index
    guard let tag = varint(), tag >> 3 > 0 else { return nil }
    let wireType = tag & 7
    let start: Int
    switch wireType {
    case 0:
      guard varint() != nil else { return nil }
      start = index
    case 1, 5:
      let size = wireType == 1 ? 8 : 4
      guard end - index >= size else { return nil }
      start = index
      index += size
    case 2:
      guard let length = varint(), length <= UInt64(end - index) else { return nil }
      start = index
      index += Int(length)
    default:
      return nil
    }
    return Field(number: tag >> 3, wireType: wireType, tagStart: tagStart, start: start, end: index)
  }

  /// The number of the last top-level length-delimited field of `bytes` whose number is in
  /// `numbers` — the member a oneof of messages holds, by protobuf's last-one-wins rule — as
  /// `.some(nil)` when there is none, or `nil` when the framing is broken (a tag, varint or
  /// length runs past the end, or a wire type is not one protobuf defines).
  package static func lastMessageField(in bytes: UnsafeRawBufferPointer, among numbers: ClosedRange<UInt64>)
    -> UInt64??
  {
    var reader = ProtobufFieldReader(bytes, from: 0, to: bytes.count)
    var last: UInt64?
    while !reader.atEnd {
      guard let field = reader.field() else { return nil }
      if field.wireType == 2, numbers.contains(field.number) { last = field.number }
    }
    return .some(last)
  }
}

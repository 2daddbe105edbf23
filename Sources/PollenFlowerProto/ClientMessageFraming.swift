import PollenClient

/// Reads a serialized `ClientMessage`'s top-level fields without decoding it: whether the
/// framing holds together and which reply it carries.
///
/// The server reads this from every message as it arrives (cheap: it skips over the payloads)
/// and decodes the message only once it has room for another update.
package enum ClientMessageFraming {
  /// What a scan found.
  package enum Scan: Sendable, Equatable {
    /// A tag, varint or length runs past the end, or a wire type is not one protobuf defines.
    case broken
    /// The framing is whole; the last reply field (protobuf's oneof rule), if any.
    case valid(Reply.Kind?)
  }

  /// Walks the top-level fields of `bytes`.
  package static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
    var index = 0
    var kind: Reply.Kind?
    func varint() -> UInt64? {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while index < bytes.count, shift < 64 {
        let byte = bytes[index]
        index += 1
        value |= UInt64(byte & 0x7f) << shift
        if byte & 0x80 == 0 { return value }
        shift += 7
      }
      return nil
    }
    while index < bytes.count {
      guard let tag = varint(), tag >> 3 > 0 else { return .broken }
      switch tag & 7 {
      case 0:
        guard varint() != nil else { return .broken }
      case 1:
        guard bytes.count - index >= 8 else { return .broken }
        index += 8
      case 2:
        guard let length = varint(), length <= UInt64(bytes.count - index) else { return .broken }
        index += Int(length)
        switch tag >> 3 {
        case 1: kind = .disconnect
        case 2: kind = .getProperties
        case 3: kind = .getParameters
        case 4: kind = .fit
        case 5: kind = .evaluate
        default: break
        }
      case 5:
        guard bytes.count - index >= 4 else { return .broken }
        index += 4
      default:
        return .broken
      }
    }
    return .valid(kind)
  }
}

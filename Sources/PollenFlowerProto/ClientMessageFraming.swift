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
    var reader = ProtobufFieldReader(bytes, from: 0, to: bytes.count)
    var kind: Reply.Kind?
    while !reader.atEnd {
      guard let field = reader.field() else { return .broken }
      guard field.wireType == 2 else { continue }
      switch field.number {
      case 1: kind = .disconnect
      case 2: kind = .getProperties
      case 3: kind = .getParameters
      case 4: kind = .fit
      case 5: kind = .evaluate
      default: break
      }
    }
    return .valid(kind)
  }
}

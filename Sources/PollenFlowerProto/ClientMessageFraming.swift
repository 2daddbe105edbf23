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
    guard let number = ProtobufFieldReader.lastMessageField(in: bytes, among: 1...5) else { return .broken }
    switch number {
    case 1: return .valid(.disconnect)
    case 2: return .valid(.getProperties)
    case 3: return .valid(.getParameters)
    case 4: return .valid(.fit)
    case 5: return .valid(.evaluate)
    default: return .valid(nil)
    }
  }
}

import GRPCCore
import GRPCNIOTransportCore
import PollenCore
import PollenFlowerProto
import SwiftProtobuf

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A `ServerMessage` as it came off a ``LoadSession``'s stream, undecoded: the transport's
/// bytes (no copy) and whether it carries `FitIns`.
///
/// Every client of a round receives the same `FitIns`; the load generator compares its bytes
/// with the last one's (``FitReplyCache``) and decodes only a new one, so K clients cost one
/// decode per round instead of K (each a copy of the model).
struct ServerMessageBytes: Sendable {
  let bytes: GRPCNIOTransportBytes
  /// Whether the last `msg` field (protobuf's oneof rule) is `fit_ins` (field 4).
  let isFit: Bool

  /// Wraps serialized bytes.
  ///
  /// - Throws: `RPCError(.invalidArgument)` when the top-level fields are not valid protobuf.
  init<Bytes: GRPCContiguousBytes>(_ serialized: Bytes) throws {
    bytes = serialized as? GRPCNIOTransportBytes ?? serialized.withUnsafeBytes { GRPCNIOTransportBytes($0) }
    // ServerMessage's oneof msg: reconnect_ins (1) … evaluate_ins (5).
    guard let last = bytes.withUnsafeBytes({ ProtobufFieldReader.lastMessageField(in: $0, among: 1...5) })
    else {
      throw RPCError(code: .invalidArgument, message: "Can't deserialize to message of type ServerMessage.")
    }
    isFit = last == 4
  }

  /// Decodes the message.
  func decode() throws -> Flwr_Proto_ServerMessage {
    try bytes.withUnsafeBytes { try Flwr_Proto_ServerMessage(serializedBytes: Array($0)) }
  }

  /// Whether these are exactly `other`'s bytes (at once when they are the same memory: streams
  /// that received the same `FitIns` share one buffer, see ``SharedInboundMessage``).
  func hasBytes(of other: ServerMessageBytes) -> Bool {
    bytes.withUnsafeBytes { mine in
      other.bytes.withUnsafeBytes { theirs in
        mine.count == theirs.count
          && (mine.count == 0 || mine.baseAddress == theirs.baseAddress
            || memcmp(mine.baseAddress!, theirs.baseAddress!, mine.count) == 0)
      }
    }
  }

  /// The deserializer that keeps `ServerMessage`s as bytes.
  struct Deserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> ServerMessageBytes
    {
      try ServerMessageBytes(serializedMessageBytes)
    }
  }
}

/// A `ClientMessage` a ``LoadSession`` sends, encoded once and sent by every client that
/// answers the same way (the transport's framer reads the shared buffer; nothing is re-encoded).
/// A spliced one (the `fit` reply) is framed once, too: the framer frames a placeholder and the
/// stream's ``LoadReplySplicer`` writes the shared framed reply in its place.
struct EncodedClientMessage: Sendable {
  let bytes: GRPCNIOTransportBytes
  /// The reply's number in ``LoadReplySplices`` when it is spliced.
  let spliceID: UInt64?

  init(_ message: Flwr_Proto_ClientMessage) throws {
    bytes = GRPCNIOTransportBytes(try message.serializedBytes() as [UInt8])
    spliceID = nil
  }

  /// A message written in place of a placeholder: kept, framed, in `splices`.
  init(_ message: Flwr_Proto_ClientMessage, splicedInto splices: LoadReplySplices) throws {
    let encoded: [UInt8] = try message.serializedBytes()
    bytes = GRPCNIOTransportBytes(encoded)
    spliceID = splices.register(encoded)
  }

  /// Hands the encoded bytes (or a spliced message's placeholder) to the transport.
  struct Serializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: EncodedClientMessage) throws -> Bytes {
      if let id = message.spliceID { return Bytes(LoadReplySplices.placeholder(id)) }
      if let shared = message.bytes as? Bytes { return shared }
      return message.bytes.withUnsafeBytes { Bytes($0) }
    }
  }
}

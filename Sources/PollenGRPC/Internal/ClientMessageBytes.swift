import GRPCCore
import GRPCNIOTransportCore
import PollenClient
import PollenCore
import PollenFlowerProto
import SwiftProtobuf

/// A `ClientMessage` as it came off the stream: its bytes, undecoded, and the kind of reply it
/// carries (read from its top-level field tags, which also checks the framing).
///
/// The server decodes a reply only once the call that waits for it holds a slot of its round's
/// ``UpdateBudget`` (``UpdateLease``), so K replies arriving at once cost K transport buffers,
/// not K decoded copies besides. The transport's bytes are kept as they are (no copy).
struct ClientMessageBytes: Sendable {
  private enum Storage: Sendable {
    case transport(GRPCNIOTransportBytes)
    case array([UInt8])
  }

  private let storage: Storage
  /// The reply this message carries (the last `msg` field, as protobuf's oneof rules have it),
  /// or `nil` when it carries none.
  let kind: Reply.Kind?
  /// The message's share of the server's ``ReceiveBudget``, given back with the last copy.
  var charge: InboundCharge?

  /// The message's size in bytes.
  var count: Int {
    switch storage {
    case .transport(let bytes): bytes.count
    case .array(let bytes): bytes.count
    }
  }

  /// Wraps serialized bytes.
  ///
  /// - Throws: `RPCError(.invalidArgument)` when the top-level fields are not valid protobuf.
  init<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws {
    if let transport = bytes as? GRPCNIOTransportBytes {
      storage = .transport(transport)
    } else {
      storage = .array(bytes.withUnsafeBytes { Array($0) })
    }
    guard case .valid(let kind) = bytes.withUnsafeBytes({ ClientMessageFraming.scan($0) }) else {
      throw RPCError(code: .invalidArgument, message: "Can't deserialize to message of type ClientMessage.")
    }
    self.kind = kind
  }

  /// Encodes `message` (for tests and in-process use).
  init(_ message: Flwr_Proto_ClientMessage) throws {
    try self.init(message.serializedBytes() as [UInt8])
  }

  /// Decodes the message.
  ///
  /// - Throws: `PollenError` `invalidMessage` when the bytes are not a valid `ClientMessage`.
  func decode() throws -> Flwr_Proto_ClientMessage {
    do {
      switch storage {
      case .transport(let bytes):
        // A fit result's tensors stay in the received buffer (``FitResDecoder``).
        if kind == .fit, let message = FitResDecoder.decode(bytes) { return message }
        return try Flwr_Proto_ClientMessage(serializedBytes: Adapter(bytes: bytes))
      case .array(let bytes): return try Flwr_Proto_ClientMessage(serializedBytes: bytes)
      }
    } catch {
      throw PollenError(.invalidMessage, "client message does not decode: \(error)")
    }
  }

  /// The deserializer that keeps `ClientMessage`s as bytes.
  struct Deserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> ClientMessageBytes
    {
      try ClientMessageBytes(serializedMessageBytes)
    }
  }

  /// Lets swift-protobuf read the transport's bytes in place.
  private struct Adapter: SwiftProtobufContiguousBytes {
    var bytes: GRPCNIOTransportBytes
    init(bytes: GRPCNIOTransportBytes) { self.bytes = bytes }
    init(repeating: UInt8, count: Int) { bytes = GRPCNIOTransportBytes(repeating: repeating, count: count) }
    init(_ sequence: some Sequence<UInt8>) { bytes = GRPCNIOTransportBytes(sequence) }
    var count: Int { bytes.count }
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
      try bytes.withUnsafeBytes(body)
    }
    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R
    {
      try bytes.withUnsafeMutableBytes(body)
    }
  }
}

import GRPCCore
import GRPCNIOTransportCore
import PollenClient
import PollenCore
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
    guard case .valid(let kind) = bytes.withUnsafeBytes({ Self.scan($0) }) else {
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
  /// - Throws: ``PollenError`` `invalidMessage` when the bytes are not a valid `ClientMessage`.
  func decode() throws -> Flwr_Proto_ClientMessage {
    do {
      switch storage {
      case .transport(let bytes): return try Flwr_Proto_ClientMessage(serializedBytes: Adapter(bytes: bytes))
      case .array(let bytes): return try Flwr_Proto_ClientMessage(serializedBytes: bytes)
      }
    } catch {
      throw PollenError(.invalidMessage, "client message does not decode: \(error)")
    }
  }

  private enum Scan { case broken, valid(Reply.Kind?) }

  /// Walks the top-level fields: broken framing, or the last reply field (if any).
  private static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
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
        index += 4
      default:
        return .broken
      }
      guard index <= bytes.count else { return .broken }
    }
    return .valid(kind)
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

import GRPCCore
import GRPCProtobuf
import NIOCore
import PollenClient
import PollenCore
import PollenFlowerProto
import SwiftProtobuf

/// An instruction on its way to one client: the `ServerMessage`, and for `FitIns`/`EvaluateIns`
/// the pieces of its encoding with the global parameters encoded once for every client.
///
/// A stream whose channel has a ``StreamWriteGaugeHandler`` sends the pieces themselves
/// (``ServerMessageWrite/spliced``): the gRPC framer frames a small placeholder and the handler
/// writes the pieces in its place, so K clients' instructions share one buffer of the model
/// from the encoder to the socket — no per-client serialization, no per-client framing copy,
/// and no framer buffer kept per stream.
struct OutboundServerMessage: Sendable {
  let instruction: Instruction
  /// The message's encoding in pieces, for `FitIns` and `EvaluateIns`.
  let spliced: SplicedServerMessage?

  init(_ instruction: Instruction) {
    self.instruction = instruction
    spliced = SplicedServerMessage(instruction)
  }

  /// The message (what a stream without the handler encodes and sends); its tensors are
  /// encoded once per ``Parameters`` value, too.
  var message: Flwr_Proto_ServerMessage { Flwr_Proto_ServerMessage(instruction) }

  /// The bytes of the `Parameters` it carries (0 for messages without parameters).
  var parameterBytes: Int { spliced?.parameters.readableBytes ?? 0 }
}

/// What a `Join` stream's writer is given: a message to encode, or the placeholder for the
/// pieces the stream's handler holds.
enum ServerMessageWrite: Sendable {
  case message(Flwr_Proto_ServerMessage)
  case spliced

  /// Encodes a ``ServerMessageWrite``: the message with swift-protobuf, or the placeholder.
  struct Serializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ write: ServerMessageWrite) throws -> Bytes {
      switch write {
      case .message(let message): try ProtobufSerializer<Flwr_Proto_ServerMessage>().serialize(message)
      case .spliced: Bytes(SplicedServerMessage.placeholder)
      }
    }
  }
}

/// A `ServerMessage` carrying `FitIns` or `EvaluateIns`, encoded as three pieces: the tags and
/// lengths, the `Parameters` (encoded once per ``Parameters`` value, shared by every client's
/// message), and the `config` map. Their concatenation is what swift-protobuf writes for the
/// message (fields in number order: `parameters = 1`, `config = 2`).
struct SplicedServerMessage: Sendable {
  /// The placeholder message the gRPC framer frames in the pieces' place: a NUL (field number
  /// 0, which no protobuf decoder accepts, should one ever reach a client) and a fixed text.
  static let placeholder: [UInt8] = [0] + Array("pollen:spliced-message:1".utf8)

  let head: ByteBuffer
  let parameters: ByteBuffer
  let config: ByteBuffer

  /// The encoded message's length.
  var count: Int { head.readableBytes + parameters.readableBytes + config.readableBytes }

  /// The pieces for a `FitIns` or `EvaluateIns`; `nil` for other instructions.
  init?(_ instruction: Instruction) {
    let field: UInt64
    let shared: Parameters
    var configOnly = Flwr_Proto_ServerMessage.FitIns()  // same layout as EvaluateIns
    switch instruction {
    case .fit(let ins):
      (field, shared) = (4, ins.parameters)
      configOnly.config = protoMap(ins.config)
    case .evaluate(let ins):
      (field, shared) = (5, ins.parameters)
      configOnly.config = protoMap(ins.config)
    default:
      return nil
    }
    parameters = shared.encoding(EncodedParameters.self) { EncodedParameters($0) }.buffer
    config = ByteBuffer(bytes: (try? configOnly.serializedBytes() as [UInt8]) ?? [])
    let parametersField = 1 + Self.varintSize(UInt64(parameters.readableBytes)) + parameters.readableBytes
    var head = ByteBuffer()
    Self.writeVarint(field << 3 | 2, into: &head)
    Self.writeVarint(UInt64(parametersField + config.readableBytes), into: &head)
    Self.writeVarint(1 << 3 | 2, into: &head)
    Self.writeVarint(UInt64(parameters.readableBytes), into: &head)
    self.head = head
  }

  /// The gRPC length-prefixed message (uncompressed): the prefix and the head in one small
  /// buffer, then the shared parameters, then the config (when not empty).
  func framed() -> [ByteBuffer] {
    var first = ByteBuffer()
    first.reserveCapacity(5 + head.readableBytes)
    first.writeMultipleIntegers(UInt8(0), UInt32(count))
    first.writeImmutableBuffer(head)
    return config.readableBytes > 0 ? [first, parameters, config] : [first, parameters]
  }

  private static func varintSize(_ value: UInt64) -> Int {
    var size = 1
    var v = value >> 7
    while v != 0 {
      size += 1
      v >>= 7
    }
    return size
  }

  private static func writeVarint(_ value: UInt64, into buffer: inout ByteBuffer) {
    var v = value
    while v >= 0x80 {
      buffer.writeInteger(UInt8(v & 0x7f | 0x80))
      v >>= 7
    }
    buffer.writeInteger(UInt8(v))
  }
}

/// A `Parameters` message encoded once (cached on its ``Parameters`` value).
private struct EncodedParameters: Sendable {
  let buffer: ByteBuffer

  init(_ parameters: Parameters) {
    // Not `Flwr_Proto_Parameters.shared`: this runs under the same cache's lock.
    let bytes: [UInt8] = (try? Flwr_Proto_Parameters(parameters).serializedBytes()) ?? []
    buffer = ByteBuffer(bytes: bytes)
  }
}

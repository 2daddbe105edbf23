import PollenClient
import PollenCore
import SwiftProtobuf

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Flower's legacy messages (`flwr/proto/transport.proto`, the grpc-bidi transport) as bytes:
/// a client's `ClientMessage` and a server's `ServerMessage`, encoded from and decoded into
/// Pollen's `Reply` and `Instruction`.
///
/// This is what the gRPC transport does with every message; it is public for tools that record
/// or replay traffic, and for the fuzzers (`Fuzz/`), which feed it hostile bytes.
public enum FlowerWire {
  /// The serialized `ClientMessage` for `reply`.
  public static func encode(_ reply: Reply) -> [UInt8] {
    // Serializing a message built from Pollen's values cannot fail (no required fields).
    (try? Flwr_Proto_ClientMessage(reply).serializedBytes()) ?? []
  }

  /// The serialized `ServerMessage` for `instruction`.
  public static func encode(_ instruction: Instruction) -> [UInt8] {
    (try? Flwr_Proto_ServerMessage(instruction).serializedBytes()) ?? []
  }

  /// The reply in a serialized `ClientMessage`.
  ///
  /// - Throws: `PollenError`: `invalidMessage` when the bytes are not a `ClientMessage`, carry
  ///   no reply, or carry a value Pollen refuses (an unknown status code, an unset scalar, a
  ///   negative `num_examples`); `invalidTensor` when a tensor is not valid `.npy`.
  public static func decodeReply(_ bytes: [UInt8]) throws -> Reply {
    let message: Flwr_Proto_ClientMessage
    do {
      message = try Flwr_Proto_ClientMessage(serializedBytes: bytes)
    } catch {
      throw PollenError(.invalidMessage, "client message does not decode: \(error)")
    }
    return try Reply(proto: message)
  }

  /// The instruction in a serialized `ServerMessage`.
  ///
  /// - Throws: `PollenError`: `invalidMessage` when the bytes are not a `ServerMessage` or
  ///   carry no instruction or an unset scalar; `invalidTensor` when a tensor is not valid `.npy`.
  public static func decodeInstruction(_ bytes: [UInt8]) throws -> Instruction {
    let message: Flwr_Proto_ServerMessage
    do {
      message = try Flwr_Proto_ServerMessage(serializedBytes: bytes)
    } catch {
      throw PollenError(.invalidMessage, "server message does not decode: \(error)")
    }
    return try Instruction(proto: message)
  }

  /// The kind of reply a serialized `ClientMessage` carries, read from its top-level field tags
  /// alone (as the server does before it decodes): `nil` when it carries none.
  ///
  /// - Throws: `PollenError` `invalidMessage` when the framing is broken.
  public static func replyKind(_ bytes: [UInt8]) throws -> Reply.Kind? {
    guard case .valid(let kind) = bytes.withUnsafeBytes({ ClientMessageFraming.scan($0) }) else {
      throw PollenError(.invalidMessage, "client message framing is broken")
    }
    return kind
  }
}

import GRPCNIOTransportCore
import PollenCore
import PollenFlowerProto
import SwiftProtobuf

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Decodes a `ClientMessage` carrying a `FitRes` with its tensors left in the transport's
/// buffer: each tensor's `Data` points into the received bytes (which it keeps alive) instead
/// of being copied out, as swift-protobuf copies every `bytes` field, with its data moved to an
/// aligned address within its own bytes when it can be.
///
/// At K = 100 clients and 4 MB replies that copy was 8% of the server's CPU time. The fields
/// around the tensors (status, `num_examples`, metrics, `tensor_type`) are few bytes and are
/// decoded by swift-protobuf as usual. Anything this reader does not expect — another top-level
/// field, `parameters` given twice, a malformed field — returns `nil`, and the caller decodes
/// the message the ordinary way (which reports what is wrong with it).
enum FitResDecoder {
  /// The message, or `nil` when it is not one this reader takes.
  static func decode(_ bytes: GRPCNIOTransportBytes) -> Flwr_Proto_ClientMessage? {
    bytes.withUnsafeBytes { raw -> Flwr_Proto_ClientMessage? in
      guard let base = raw.baseAddress else { return nil }
      var top = ProtobufFieldReader(raw, from: 0, to: raw.count)
      // Exactly one top-level field: fit_res (4, length-delimited).
      guard let fit = top.field(), fit.number == 4, fit.wireType == 2, top.atEnd else { return nil }
      var fields = ProtobufFieldReader(raw, from: fit.start, to: fit.end)
      var rest: [UInt8] = []
      var parameters: (start: Int, end: Int)?
      while !fields.atEnd {
        guard let field = fields.field() else { return nil }
        if field.number == 2 {
          guard field.wireType == 2, parameters == nil else { return nil }
          parameters = (field.start, field.end)
        } else {
          rest += UnsafeRawBufferPointer(rebasing: raw[field.tagStart..<field.end])
        }
      }
      guard var res = try? Flwr_Proto_ClientMessage.FitRes(serializedBytes: rest) else { return nil }
      if let (start, end) = parameters {
        var proto = Flwr_Proto_Parameters()
        var inner = ProtobufFieldReader(raw, from: start, to: end)
        var tensorType: [UInt8] = []
        while !inner.atEnd {
          guard let field = inner.field() else { return nil }
          switch (field.number, field.wireType) {
          case (1, 2):
            // The received bytes outlive every tensor that points into them: the deallocator
            // holds them. The only write to a message's buffer after it has arrived is this
            // one, inside the tensor's own bytes: its data is moved into its header's padding
            // to an aligned address (`NDArray.alignNPYDataInPlace`), so that decoding it
            // copies nothing. The tensor's `.npy` file may so lose up to 7 padding spaces.
            let pointer = UnsafeMutableRawPointer(mutating: base + field.start)
            let count =
              NDArray.alignNPYDataInPlace(
                UnsafeMutableRawBufferPointer(start: pointer, count: field.end - field.start))
              ?? (field.end - field.start)
            proto.tensors.append(
              Data(bytesNoCopy: pointer, count: count, deallocator: .custom { _, _ in _ = bytes }))
          case (2, 2):
            tensorType = Array(UnsafeRawBufferPointer(rebasing: raw[field.start..<field.end]))
          default:
            break  // an unknown field: swift-protobuf would keep it, the server has no use for it
          }
        }
        guard let type = String(validating: tensorType, as: UTF8.self) else { return nil }
        proto.tensorType = type
        res.parameters = proto
      }
      var message = Flwr_Proto_ClientMessage()
      message.msg = .fitRes(res)
      return message
    }
  }
}

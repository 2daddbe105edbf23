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

  /// Where the data of the first tensor of a `ClientMessage`'s `FitRes` begins, read from the
  /// message's first bytes (`prefix`: the message may go on past them; only the fields before
  /// the tensor and its `.npy` header's start must be there). `nil` when they do not reach that
  /// far or the message is not a `FitRes` with parameters.
  ///
  /// ``InboundMessageAssembler`` places a reply in its buffer so that this offset is aligned:
  /// then the tensors need no move in ``decode(_:)`` (all of them, when each is a whole number
  /// of items plus a tag and length of that size — and the move is 4–5% of the server's CPU at
  /// K = 100 × 4 MB otherwise).
  static func firstTensorDataOffset(inPrefix prefix: UnsafeRawBufferPointer) -> Int? {
    var index = 0
    // ClientMessage.fit_res (4) → FitRes.parameters (2) → Parameters.tensors (1), each the first
    // field of its number; fields before it must be whole in `prefix`.
    for (number, onlyField) in [(UInt64(4), true), (2, false), (1, false)] {
      var found = false
      while !found {
        var reader = ProtobufFieldReader(prefix, from: index, to: prefix.count)
        guard let tag = reader.varint() else { return nil }
        if tag == number << 3 | 2 {
          guard reader.varint() != nil else { return nil }
          found = true
        } else {
          guard !onlyField else { return nil }
          reader = ProtobufFieldReader(prefix, from: index, to: prefix.count)
          guard reader.field() != nil else { return nil }
        }
        index = reader.index
      }
    }
    // The tensor's .npy preamble says where its data begins.
    return NDArray.npyDataOffset(peeking: UnsafeRawBufferPointer(rebasing: prefix[index...])).map {
      index + $0
    }
  }
}

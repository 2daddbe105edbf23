import PollenCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

// Parameters (tensors as .npy bytes), Status, Code and Reason.

extension Flwr_Proto_Parameters {
  /// Encodes each tensor as `.npy` (Flower's `"numpy.ndarray"`).
  package init(_ parameters: Parameters) {
    self.init()
    tensors = parameters.tensors.map { $0.npy() }
    tensorType = parameters.tensorType
  }

  /// The encoding of `parameters`, made once and shared by every copy of that value (see
  /// ``Parameters/encodings``): every client's `FitIns` of a round holds the same tensor bytes.
  package static func shared(_ parameters: Parameters) -> Flwr_Proto_Parameters {
    parameters.encoding(Flwr_Proto_Parameters.self) { Flwr_Proto_Parameters($0) }
  }
}

extension Parameters {
  /// Decodes each tensor from `.npy`.
  ///
  /// - Throws: `PollenError` (`invalidTensor`, "tensor 2: …") for the first tensor that is not
  ///   a valid `.npy` array.
  package init(proto: Flwr_Proto_Parameters) throws {
    var tensors: [NDArray] = []
    tensors.reserveCapacity(proto.tensors.count)
    for (index, bytes) in proto.tensors.enumerated() {
      do {
        tensors.append(try NDArray(npy: bytes))
      } catch let error as PollenError {
        throw PollenError(.invalidTensor, "tensor \(index): \(error.message)")
      } catch {
        throw PollenError(.invalidTensor, "tensor \(index): \(error)", cause: error)
      }
    }
    // Flower leaves tensor_type empty in messages that carry no tensors.
    self.init(
      tensors: tensors, tensorType: proto.tensorType.isEmpty ? Parameters.numpyTensorType : proto.tensorType)
  }
}

extension Flwr_Proto_Status {
  package init(_ status: Status) {
    self.init()
    code = Flwr_Proto_Code(rawValue: status.code.rawValue) ?? .UNRECOGNIZED(status.code.rawValue)
    message = status.message
  }
}

extension Status {
  /// - Throws: `PollenError` (`invalidMessage`) for a code Flower does not define.
  package init(proto: Flwr_Proto_Status) throws {
    guard let code = Code(rawValue: proto.code.rawValue) else {
      throw PollenError(.invalidMessage, "unknown status code \(proto.code.rawValue)")
    }
    self.init(code: code, message: proto.message)
  }
}

extension Flwr_Proto_Reason {
  package init(_ reason: Reason) {
    self = Flwr_Proto_Reason(rawValue: reason.rawValue) ?? .unknown
  }
}

extension Reason {
  /// Unknown reasons read as ``Reason/unknown``.
  package init(proto: Flwr_Proto_Reason) {
    self = Reason(rawValue: proto.rawValue) ?? .unknown
  }
}

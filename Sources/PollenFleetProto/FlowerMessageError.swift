/// The error a message carries instead of content: Flower 1.41's `Error` (`flwr/app/error.py`),
/// carried as `flwr.proto.Error` (`flwr/proto/error.proto`).
///
/// A ClientApp that fails replies with one; the codes are `ErrorCode` in
/// `flwr/common/constant.py` (1: the ClientApp could not be loaded, 2: it raised an exception,
/// 7: the FAB is invalid, …).
public struct FlowerMessageError: Sendable, Hashable {
  /// The error code (`sint64` on the wire).
  public var code: Int64
  /// What went wrong, if anything was said. Flower reads an empty reason as `None`.
  public var reason: String?

  /// An error with this code and reason.
  public init(code: Int64, reason: String? = nil) {
    self.code = code
    self.reason = reason
  }
}

extension FlowerMessageError {
  /// The error of `proto`, as Flower's `error_from_proto`: an empty reason is `nil`.
  package init(proto: Flwr_Proto_Error) {
    self.init(code: proto.code, reason: proto.reason.isEmpty ? nil : proto.reason)
  }

  /// The error as `flwr.proto.Error`, as Flower's `error_to_proto`.
  package var proto: Flwr_Proto_Error {
    var proto = Flwr_Proto_Error()
    proto.code = code
    proto.reason = reason ?? ""
    return proto
  }
}

import PollenCore

/// Checks a client's update against the global model: same number of tensors, same shapes and
/// dtypes, and only finite values. A failed check becomes a ``ClientFailure`` for that client.
public struct UpdateValidator: Sendable {
  private let shapes: [[Int]]
  private let dtypes: [DType]

  /// A validator for updates of `reference` (the global parameters sent to the clients).
  public init(reference: Parameters) {
    shapes = reference.tensors.map(\.shape)
    dtypes = reference.tensors.map(\.dtype)
  }

  /// Throws ``PollenError`` (`.shapeMismatch` or `.nonFinite`) naming the first bad tensor.
  public func validate(_ parameters: Parameters) throws(PollenError) {
    let tensors = parameters.tensors
    guard tensors.count == shapes.count else {
      throw PollenError(.shapeMismatch, "expected \(shapes.count) tensors, got \(tensors.count)")
    }
    for (i, t) in tensors.enumerated() {
      guard t.dtype == dtypes[i] else {
        throw PollenError(.shapeMismatch, "tensor \(i): expected dtype \(dtypes[i]), got \(t.dtype)")
      }
      guard t.shape == shapes[i] else {
        throw PollenError(.shapeMismatch, "tensor \(i): expected shape \(shapes[i]), got \(t.shape)")
      }
      guard Kernels.allFinite(t) else {
        throw PollenError(.nonFinite, "tensor \(i) contains NaN or infinity")
      }
    }
  }
}

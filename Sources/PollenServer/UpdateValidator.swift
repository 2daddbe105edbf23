import PollenCore

/// Checks a client's update against the global model: the same number of tensors with the same
/// shapes, and only finite values. A failed check becomes a ``ClientFailure`` for that client.
///
/// The dtype of an update may differ from the global model's, as Flower accepts it: Flower's
/// server decodes whatever `.npy` arrays a client sends and its FedAvg combines them with numpy's
/// casting rules (``WeightedSum`` documents the result; `flwr/server/strategy/aggregate.py`).
/// Every `DType` is numeric for numpy, bool included (`np.multiply`/`np.add` accept it).
/// Non-numeric arrays (strings, objects, complex, datetimes) never get here: decoding the
/// client's reply refuses them, naming the tensor (`NDArray(npy:)`).
public struct UpdateValidator: Sendable {
  private let shapes: [[Int]]

  /// A validator for updates of `reference` (the global parameters sent to the clients).
  public init(reference: Parameters) {
    shapes = reference.tensors.map(\.shape)
  }

  /// Throws `PollenError` (`.shapeMismatch` or `.nonFinite`) naming the first bad tensor.
  public func validate(_ parameters: Parameters) throws(PollenError) {
    let tensors = parameters.tensors
    guard tensors.count == shapes.count else {
      throw PollenError(.shapeMismatch, "expected \(shapes.count) tensors, got \(tensors.count)")
    }
    for (i, t) in tensors.enumerated() {
      guard t.shape == shapes[i] else {
        throw PollenError(
          .shapeMismatch, "tensor \(i): expected shape \(shapes[i]), got \(t.shape) (dtype \(t.dtype))")
      }
      guard Kernels.allFinite(t) else {
        throw PollenError(.nonFinite, "tensor \(i) (\(t.dtype)) contains NaN or infinity")
      }
    }
  }
}

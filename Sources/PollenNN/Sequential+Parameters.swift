import PollenCore

extension Sequential {
  /// All parameters in order (see ``Sequential``).
  public var parameters: [Tensor] { layers.flatMap(\.parameters) }

  /// The gradients of the last ``backward(_:)``, matching ``parameters``.
  public var gradients: [Tensor] { layers.flatMap(\.gradients) }

  /// The shape of each parameter, in order.
  public var parameterShapes: [[Int]] { parameters.map(\.shape) }

  /// The number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Replaces every parameter; throws `PollenError/Code-swift.struct/shapeMismatch` (and
  /// changes nothing) unless `tensors` match ``parameterShapes`` in count and shapes.
  public mutating func setParameters(_ tensors: [Tensor]) throws {
    let expected = parameterShapes
    guard tensors.count == expected.count else {
      throw PollenError(.shapeMismatch, "model has \(expected.count) parameter tensors, got \(tensors.count)")
    }
    for (index, (tensor, shape)) in zip(tensors, expected).enumerated() where tensor.shape != shape {
      throw PollenError(.shapeMismatch, "parameter \(index) has shape \(shape), got \(tensor.shape)")
    }
    var offset = 0
    for i in layers.indices {
      let count = layers[i].parameters.count
      if count > 0 { layers[i].parameters = Array(tensors[offset..<(offset + count)]) }
      offset += count
    }
  }

  /// The parameters as float32 `NDArray`s, in order (what a client sends to the server).
  public func parameterArrays() -> [NDArray] {
    parameters.map { NDArray($0.data, shape: $0.shape) }
  }

  /// Replaces every parameter from float32 `NDArray`s in order; throws
  /// `PollenError/Code-swift.struct/shapeMismatch` (and changes nothing) on a wrong count,
  /// shape or dtype.
  public mutating func setParameters(_ arrays: [NDArray]) throws {
    try setParameters(Self.tensors(from: arrays))
  }

  /// Float32 arrays as tensors; throws `PollenError/Code-swift.struct/shapeMismatch` for any
  /// other dtype.
  public static func tensors(from arrays: [NDArray]) throws -> [Tensor] {
    try arrays.enumerated().map { index, array in
      guard array.dtype == .float32 else {
        throw PollenError(.shapeMismatch, "parameter \(index) must be float32, got \(array.dtype)")
      }
      return Tensor(shape: array.shape, data: array.scalars(as: Float.self))
    }
  }
}

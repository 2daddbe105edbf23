/// The rectified linear unit, `max(0, x)` elementwise. No parameters.
public struct ReLU: Layer {
  private var lastOutput = Tensor(shape: [0])

  public init() {}

  public func outputShape(for inputShape: [Int]) -> [Int]? { inputShape }

  public mutating func forward(_ input: Tensor) -> Tensor {
    var y = input
    y.data.withUnsafeMutableBufferPointer { p in
      for i in p.indices { p[i] = max(p[i], 0) }
    }
    lastOutput = y
    return y
  }

  /// Passes the gradient where the output was positive (the subgradient at 0 is taken as 0).
  public mutating func backward(_ outputGradient: Tensor) -> Tensor {
    precondition(outputGradient.shape == lastOutput.shape, "gradient shape \(outputGradient.shape)")
    var g = outputGradient
    g.data.withUnsafeMutableBufferPointer { p in
      lastOutput.data.withUnsafeBufferPointer { y in
        for i in p.indices where y[i] <= 0 { p[i] = 0 }
      }
    }
    return g
  }
}

/// Flattens each example: `[batch, d1, d2, …]` becomes `[batch, d1·d2·…]`. No parameters.
///
/// The order is row-major, so after a convolution the features are ordered channel, row,
/// column — like PyTorch's `nn.Flatten` on NCHW tensors.
public struct Flatten: Layer {
  private var lastShape: [Int] = []

  public init() {}

  public func outputShape(for inputShape: [Int]) -> [Int]? { [inputShape.reduce(1, *)] }

  public mutating func forward(_ input: Tensor) -> Tensor {
    lastShape = input.shape
    let batch = input.shape.first ?? 0
    return input.reshaped([batch, batch == 0 ? 0 : input.count / batch])
  }

  public mutating func backward(_ outputGradient: Tensor) -> Tensor {
    outputGradient.reshaped(lastShape)
  }
}

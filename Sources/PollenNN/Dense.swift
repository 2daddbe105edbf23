import PollenCore

/// A fully connected layer: `y = x · Wᵀ + b` for `x` of shape `[batch, inputs]`.
///
/// Parameters, in order: `weight` `[outputs, inputs]` and `bias` `[outputs]` (PyTorch's
/// `nn.Linear` layout).
public struct Dense: Layer {
  /// `[outputs, inputs]`.
  public var weight: Tensor
  /// `[outputs]`.
  public var bias: Tensor
  /// Gradient of the loss with respect to ``weight`` after ``backward(_:)``.
  public private(set) var weightGradient: Tensor
  /// Gradient of the loss with respect to ``bias`` after ``backward(_:)``.
  public private(set) var biasGradient: Tensor
  private var lastInput = Tensor(shape: [0, 0])

  /// A layer with weights drawn by `initializer` from `rng` and zero biases.
  public init(inputs: Int, outputs: Int, initializer: Initializer = .heNormal, rng: inout SeededRandom) {
    weight = Tensor(
      shape: [outputs, inputs],
      data: initializer.weights(count: outputs * inputs, fanIn: inputs, fanOut: outputs, rng: &rng))
    bias = Tensor(shape: [outputs])
    weightGradient = Tensor(shape: [outputs, inputs])
    biasGradient = Tensor(shape: [outputs])
  }

  /// Inputs per example.
  public var inputs: Int { weight.shape[1] }
  /// Outputs per example.
  public var outputs: Int { weight.shape[0] }

  public func outputShape(for inputShape: [Int]) -> [Int]? {
    inputShape == [inputs] ? [outputs] : nil
  }

  public var parameters: [Tensor] {
    get { [weight, bias] }
    set {
      precondition(
        newValue.count == 2 && newValue[0].shape == weight.shape && newValue[1].shape == bias.shape)
      weight = newValue[0]
      bias = newValue[1]
    }
  }

  public var gradients: [Tensor] { [weightGradient, biasGradient] }

  public mutating func updateParameters(_ body: (inout Tensor, Tensor) -> Void) {
    body(&weight, weightGradient)
    body(&bias, biasGradient)
  }

  public mutating func backwardParametersOnly(_ outputGradient: Tensor) {
    let batch = lastInput.shape[0]
    precondition(outputGradient.shape == [batch, outputs], "gradient shape \(outputGradient.shape)")
    gemm(transposeA: true, outputGradient, lastInput, into: &weightGradient, beta: 0)
    biasGradient.data = columnSums(outputGradient)
  }

  public mutating func forward(_ input: Tensor) -> Tensor {
    let x = input.reshaped([input.shape[0], input.count / max(1, input.shape[0])])
    precondition(x.shape[1] == inputs, "Dense expects \(inputs) inputs, got shape \(input.shape)")
    lastInput = x
    let batch = x.shape[0]
    // Start from the bias in every row, then accumulate x · Wᵀ onto it.
    var y = Tensor(shape: [batch, outputs])
    y.data.withUnsafeMutableBufferPointer { out in
      for row in 0..<batch {
        _ = UnsafeMutableBufferPointer(rebasing: out[(row * outputs)...]).update(fromContentsOf: bias.data)
      }
    }
    gemm(transposeB: true, x, weight, into: &y, beta: 1)
    return y
  }

  public mutating func backward(_ outputGradient: Tensor) -> Tensor {
    backwardParametersOnly(outputGradient)
    let batch = lastInput.shape[0]
    var inputGradient = Tensor(shape: [batch, inputs])
    gemm(outputGradient, weight, into: &inputGradient, beta: 0)
    return inputGradient
  }
}

/// `c = op(a) · op(b) + beta · c` for rank-2 tensors whose shapes already agree.
func gemm(
  transposeA: Bool = false, transposeB: Bool = false, _ a: Tensor, _ b: Tensor, into c: inout Tensor,
  beta: Float
) {
  let m = c.shape[0]
  let n = c.shape[1]
  let k = transposeA ? a.shape[0] : a.shape[1]
  a.data.withUnsafeBufferPointer { pa in
    b.data.withUnsafeBufferPointer { pb in
      c.data.withUnsafeMutableBufferPointer { pc in
        guard let ca = pc.baseAddress, let aa = pa.baseAddress, let ba = pb.baseAddress else { return }
        MatMul.gemm(
          transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: aa, lda: a.shape[1],
          b: ba, ldb: b.shape[1], beta: beta, c: ca, ldc: n)
      }
    }
  }
}

/// The sum of each column of a `[rows, columns]` tensor.
func columnSums(_ t: Tensor) -> [Float] {
  let columns = t.shape[1]
  var sums = [Float](repeating: 0, count: columns)
  t.data.withUnsafeBufferPointer { src in
    sums.withUnsafeMutableBufferPointer { dst in
      for row in 0..<t.shape[0] {
        let base = row * columns
        for j in 0..<columns { dst[j] += src[base + j] }
      }
    }
  }
  return sums
}

import PollenCore

/// A 2-D convolution with stride 1 on `[batch, channels, height, width]` (NCHW), computed as
/// an im2col matrix times the weights.
///
/// Parameters, in order: `weight` `[outChannels, inChannels, kernelHeight, kernelWidth]` and
/// `bias` `[outChannels]` (PyTorch's `nn.Conv2d` layout).
public struct Conv2D: Layer {
  /// How the borders are handled.
  public enum Padding: Sendable, Hashable {
    /// Zero-pad so the output has the input's height and width (an even kernel pads one more
    /// row and column at the bottom and right).
    case same
    /// No padding: the output shrinks by `kernel - 1`.
    case valid
  }

  /// `[outChannels, inChannels, kernelHeight, kernelWidth]`.
  public var weight: Tensor
  /// `[outChannels]`.
  public var bias: Tensor
  /// The border handling.
  public let padding: Padding
  /// Gradient of the loss with respect to ``weight`` after ``backward(_:)``.
  public private(set) var weightGradient: Tensor
  /// Gradient of the loss with respect to ``bias`` after ``backward(_:)``.
  public private(set) var biasGradient: Tensor
  private var geometry: ConvGeometry?
  private var columns: [Float] = []

  /// A convolution with `kernelSize × kernelSize` kernels drawn by `initializer` from `rng`
  /// (fan-in `inChannels · kernelSize²`) and zero biases.
  public init(
    inChannels: Int, outChannels: Int, kernelSize: Int, padding: Padding = .same,
    initializer: Initializer = .heNormal, rng: inout SeededRandom
  ) {
    let fanIn = inChannels * kernelSize * kernelSize
    weight = Tensor(
      shape: [outChannels, inChannels, kernelSize, kernelSize],
      data: initializer.weights(
        count: outChannels * fanIn, fanIn: fanIn, fanOut: outChannels * kernelSize * kernelSize, rng: &rng))
    bias = Tensor(shape: [outChannels])
    self.padding = padding
    weightGradient = Tensor(shape: weight.shape)
    biasGradient = Tensor(shape: bias.shape)
  }

  /// Output channels.
  public var outChannels: Int { weight.shape[0] }
  /// Input channels.
  public var inChannels: Int { weight.shape[1] }

  public func outputShape(for inputShape: [Int]) -> [Int]? {
    guard inputShape.count == 3, inputShape[0] == inChannels else { return nil }
    let g = geometry(batch: 1, height: inputShape[1], width: inputShape[2])
    return g.ho > 0 && g.wo > 0 ? [outChannels, g.ho, g.wo] : nil
  }

  func geometry(batch: Int, height: Int, width: Int) -> ConvGeometry {
    let (kh, kw) = (weight.shape[2], weight.shape[3])
    switch padding {
    case .same:
      return ConvGeometry(
        n: batch, c: inChannels, h: height, w: width, kh: kh, kw: kw,
        padTop: (kh - 1) / 2, padLeft: (kw - 1) / 2, ho: height, wo: width)
    case .valid:
      return ConvGeometry(
        n: batch, c: inChannels, h: height, w: width, kh: kh, kw: kw,
        padTop: 0, padLeft: 0, ho: height - kh + 1, wo: width - kw + 1)
    }
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

  public mutating func forward(_ input: Tensor) -> Tensor {
    precondition(
      input.rank == 4 && input.shape[1] == inChannels,
      "Conv2D expects [batch, \(inChannels), height, width], got \(input.shape)")
    let g = geometry(batch: input.shape[0], height: input.shape[2], width: input.shape[3])
    geometry = g
    columns = [Float](unsafeUninitializedCapacity: g.positions * g.patch) { buffer, count in
      input.data.withUnsafeBufferPointer { x in
        if let base = buffer.baseAddress, let xBase = x.baseAddress { g.im2col(xBase, into: base) }
      }
      count = g.positions * g.patch
    }
    // [positions, out] = columns · Wᵀ, then to NCHW with the bias added.
    var product = Tensor(shape: [g.positions, outChannels])
    gemm(
      transposeB: true, Tensor(shape: [g.positions, g.patch], data: columns),
      weight.reshaped([outChannels, g.patch]), into: &product, beta: 0)
    let outC = outChannels
    let biasValues = bias.data
    var out = Tensor(shape: [g.n, outC, g.ho, g.wo])
    let area = g.ho * g.wo
    product.data.withUnsafeBufferPointer { p in
      out.data.withUnsafeMutableBufferPointer { y in
        for b in 0..<g.n {
          for o in 0..<outC {
            let dst = (b * outC + o) * area
            var src = b * area * outC + o
            let bo = biasValues[o]
            for q in 0..<area {
              y[dst + q] = p[src] + bo
              src += outC
            }
          }
        }
      }
    }
    return out
  }

  public mutating func backward(_ outputGradient: Tensor) -> Tensor {
    let grad = backwardParameters(outputGradient)
    guard let g = geometry else { preconditionFailure("backward before forward") }
    var dCols = Tensor(shape: [g.positions, g.patch])
    gemm(grad, weight.reshaped([outChannels, g.patch]), into: &dCols, beta: 0)
    var dx = Tensor(shape: [g.n, g.c, g.h, g.w])
    dCols.data.withUnsafeBufferPointer { src in
      dx.data.withUnsafeMutableBufferPointer { dst in
        if let s = src.baseAddress, let d = dst.baseAddress { g.col2im(s, into: d) }
      }
    }
    return dx
  }

  public mutating func backwardParametersOnly(_ outputGradient: Tensor) {
    _ = backwardParameters(outputGradient)
  }

  /// Stores the parameter gradients; returns the output gradient as `[positions, out]`.
  private mutating func backwardParameters(_ outputGradient: Tensor) -> Tensor {
    guard let g = geometry else { preconditionFailure("backward before forward") }
    precondition(
      outputGradient.shape == [g.n, outChannels, g.ho, g.wo], "gradient shape \(outputGradient.shape)")
    let area = g.ho * g.wo
    let outC = outChannels
    // NCHW gradient to [positions, out], and the bias gradient on the way.
    var grad = Tensor(shape: [g.positions, outC])
    var biasSums = [Float](repeating: 0, count: outC)
    outputGradient.data.withUnsafeBufferPointer { dy in
      grad.data.withUnsafeMutableBufferPointer { p in
        for b in 0..<g.n {
          for o in 0..<outC {
            let src = (b * outC + o) * area
            var dst = b * area * outC + o
            var sum: Float = 0
            for q in 0..<area {
              p[dst] = dy[src + q]
              sum += dy[src + q]
              dst += outC
            }
            biasSums[o] += sum
          }
        }
      }
    }
    biasGradient.data = biasSums
    let cols = Tensor(shape: [g.positions, g.patch], data: columns)
    var dW = Tensor(shape: [outChannels, g.patch])
    gemm(transposeA: true, grad, cols, into: &dW, beta: 0)
    weightGradient = dW.reshaped(weight.shape)
    return grad
  }
}

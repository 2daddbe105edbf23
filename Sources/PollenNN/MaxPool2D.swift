/// 2 × 2 max pooling with stride 2 on `[batch, channels, height, width]`; odd trailing rows
/// and columns are dropped (PyTorch's `nn.MaxPool2d(2)`). No parameters.
public struct MaxPool2D: Layer {
  private var lastInputShape: [Int] = []
  /// For each output element, the flat index of the input element that was the maximum.
  private var argmax: [Int32] = []

  public init() {}

  public func outputShape(for inputShape: [Int]) -> [Int]? {
    guard inputShape.count == 3, inputShape[1] >= 2, inputShape[2] >= 2 else { return nil }
    return [inputShape[0], inputShape[1] / 2, inputShape[2] / 2]
  }

  public mutating func forward(_ input: Tensor) -> Tensor {
    precondition(input.rank == 4, "MaxPool2D expects [batch, channels, height, width], got \(input.shape)")
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (ho, wo) = (h / 2, w / 2)
    lastInputShape = input.shape
    var out = Tensor(shape: [n, c, ho, wo])
    argmax = [Int32](repeating: 0, count: out.count)
    input.data.withUnsafeBufferPointer { x in
      out.data.withUnsafeMutableBufferPointer { y in
        argmax.withUnsafeMutableBufferPointer { arg in
          var o = 0
          for plane in 0..<(n * c) {
            let base = plane * h * w
            for i in 0..<ho {
              for j in 0..<wo {
                // Ties go to the first element in row-major order, like PyTorch.
                let first = base + 2 * i * w + 2 * j
                var best = first
                if x[first + 1] > x[best] { best = first + 1 }
                if x[first + w] > x[best] { best = first + w }
                if x[first + w + 1] > x[best] { best = first + w + 1 }
                y[o] = x[best]
                arg[o] = Int32(best)
                o += 1
              }
            }
          }
        }
      }
    }
    return out
  }

  /// Routes each output gradient to the input element that was the maximum.
  public mutating func backward(_ outputGradient: Tensor) -> Tensor {
    precondition(outputGradient.count == argmax.count, "gradient shape \(outputGradient.shape)")
    var g = Tensor(shape: lastInputShape)
    g.data.withUnsafeMutableBufferPointer { dx in
      outputGradient.data.withUnsafeBufferPointer { dy in
        argmax.withUnsafeBufferPointer { arg in
          for o in dy.indices { dx[Int(arg[o])] += dy[o] }
        }
      }
    }
    return g
  }
}

import Foundation

/// The loss a model is trained on; both are means over the batch.
public enum Loss: Sendable, Hashable {
  /// Softmax over the logits, then the cross-entropy with the class labels.
  case softmaxCrossEntropy
  /// Mean squared error against the one-hot encoding of the labels (mean over all elements,
  /// like PyTorch's `nn.MSELoss()`).
  case meanSquaredError

  /// The loss of `output` (`[batch, classes]`) for `labels`, and its gradient with respect to
  /// `output`.
  public func evaluate(_ output: Tensor, labels: [Int32]) -> (loss: Double, gradient: Tensor) {
    switch self {
    case .softmaxCrossEntropy:
      return Loss.softmaxCrossEntropy(logits: output, labels: labels)
    case .meanSquaredError:
      return Loss.meanSquaredError(output, targets: Loss.oneHot(labels, classes: output.shape[1]))
    }
  }

  /// Mean softmax cross-entropy of `logits` (`[batch, classes]`) for `labels` in
  /// `0..<classes`, and its gradient `(softmax(logits) − onehot(labels)) / batch`.
  public static func softmaxCrossEntropy(logits: Tensor, labels: [Int32]) -> (loss: Double, gradient: Tensor)
  {
    precondition(
      logits.rank == 2 && logits.shape[0] == labels.count, "logits \(logits.shape) for \(labels.count) labels"
    )
    let (batch, classes) = (logits.shape[0], logits.shape[1])
    var gradient = Tensor(shape: logits.shape)
    var total = 0.0
    let scale = 1 / Float(max(1, batch))
    logits.data.withUnsafeBufferPointer { z in
      gradient.data.withUnsafeMutableBufferPointer { g in
        for row in 0..<batch {
          let base = row * classes
          var top = -Float.infinity
          for j in 0..<classes { top = max(top, z[base + j]) }
          var sum: Float = 0
          for j in 0..<classes {
            let e = expf(z[base + j] - top)
            g[base + j] = e
            sum += e
          }
          let label = Int(labels[row])
          precondition(label >= 0 && label < classes, "label \(label) outside 0..<\(classes)")
          // -log softmax(z)[label] = log Σ exp(z − top) − (z[label] − top)
          total += Double(logf(sum) - (z[base + label] - top))
          for j in 0..<classes { g[base + j] = g[base + j] / sum * scale }
          g[base + label] -= scale
        }
      }
    }
    return (total / Double(max(1, batch)), gradient)
  }

  /// Mean over all elements of `(output − targets)²`, and its gradient
  /// `2 (output − targets) / count`.
  public static func meanSquaredError(_ output: Tensor, targets: Tensor) -> (loss: Double, gradient: Tensor) {
    precondition(output.shape == targets.shape, "output \(output.shape) and targets \(targets.shape) differ")
    var gradient = Tensor(shape: output.shape)
    var total = 0.0
    let scale = 2 / Float(max(1, output.count))
    for i in 0..<output.count {
      let d = output.data[i] - targets.data[i]
      total += Double(d * d)
      gradient.data[i] = scale * d
    }
    return (total / Double(max(1, output.count)), gradient)
  }

  /// `[labels.count, classes]` with a 1 at each label's column.
  public static func oneHot(_ labels: [Int32], classes: Int) -> Tensor {
    var t = Tensor(shape: [labels.count, classes])
    for (row, label) in labels.enumerated() { t.data[row * classes + Int(label)] = 1 }
    return t
  }
}

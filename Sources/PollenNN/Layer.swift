import PollenCore

/// One stage of a ``Sequential`` model: a differentiable map from a batch to a batch.
///
/// A layer is a value. ``forward(_:)`` remembers what ``backward(_:)`` needs (its input, a
/// mask, …); ``backward(_:)`` takes the gradient of the loss with respect to the layer's last
/// output, stores the gradients of its parameters in ``gradients`` and returns the gradient with
/// respect to its last input.
public protocol Layer: Sendable {
  /// The shape of one output example for one input example of `inputShape` (no batch
  /// dimension); `nil` when the layer cannot take that input.
  func outputShape(for inputShape: [Int]) -> [Int]?

  /// The trainable tensors, in a fixed order (for example weight, then bias); empty if none.
  var parameters: [Tensor] { get set }

  /// The gradients of the last ``backward(_:)``, matching ``parameters`` in order and shape.
  var gradients: [Tensor] { get }

  /// The layer applied to `input` (`[batch, …]`), remembering what ``backward(_:)`` needs.
  mutating func forward(_ input: Tensor) -> Tensor

  /// Back-propagates `outputGradient` (shaped like the last output): stores ``gradients`` and
  /// returns the gradient with respect to the last input.
  mutating func backward(_ outputGradient: Tensor) -> Tensor

  /// Like ``backward(_:)`` when the caller does not need the input gradient (the first layer
  /// of a model): stores ``gradients`` and may skip the rest of the work.
  mutating func backwardParametersOnly(_ outputGradient: Tensor)

  /// Calls `body` with each parameter, mutable in place, and its gradient, in order.
  mutating func updateParameters(_ body: (inout Tensor, Tensor) -> Void)
}

extension Layer {
  public var parameters: [Tensor] {
    get { [] }
    set { precondition(newValue.isEmpty, "\(Self.self) has no parameters") }
  }
  public var gradients: [Tensor] { [] }
  public mutating func updateParameters(_ body: (inout Tensor, Tensor) -> Void) {}
  public mutating func backwardParametersOnly(_ outputGradient: Tensor) { _ = backward(outputGradient) }
}

/// How a layer's weights are drawn when it is created.
public enum Initializer: Sendable, Hashable {
  /// He (Kaiming) normal: `N(0, 2 / fanIn)`, for layers followed by ReLU.
  case heNormal
  /// Glorot (Xavier) uniform: `U(±√(6 / (fanIn + fanOut)))`, for linear or softmax outputs.
  case glorotUniform
  /// All zeros (e.g. logistic regression).
  case zeros

  /// `count` weights for a layer with the given fan-in and fan-out, drawn from `rng`.
  public func weights(count: Int, fanIn: Int, fanOut: Int, rng: inout SeededRandom) -> [Float] {
    switch self {
    case .heNormal:
      let std = (2 / Double(max(1, fanIn))).squareRoot()
      return (0..<count).map { _ in Float(rng.nextGaussian() * std) }
    case .glorotUniform:
      let limit = (6 / Double(max(1, fanIn + fanOut))).squareRoot()
      return (0..<count).map { _ in Float((rng.nextUnit() * 2 - 1) * limit) }
    case .zeros:
      return [Float](repeating: 0, count: count)
    }
  }
}

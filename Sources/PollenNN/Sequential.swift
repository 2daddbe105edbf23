import PollenCore

/// A model that applies its layers one after the other.
///
/// Its parameters are the layers' parameters in layer order, each layer contributing its own in
/// its documented order (``Dense`` and ``Conv2D``: weight, then bias) — the order of PyTorch's
/// `state_dict()` for the equivalent `nn.Sequential`, and the order of ``parameterArrays()``.
public struct Sequential: Sendable {
  /// The layers, first to last.
  public internal(set) var layers: [any Layer]
  /// The shape of one input example, e.g. `[64]` or `[1, 28, 28]`.
  public let inputShape: [Int]
  /// The shape of one output example, e.g. `[10]`.
  public let outputShape: [Int]

  /// A model of `layers` for examples of `inputShape`; throws
  /// `PollenError/Code-swift.struct/shapeMismatch` if a layer cannot take what the previous
  /// one produces.
  public init(inputShape: [Int], layers: [any Layer]) throws {
    var shape = inputShape
    for (index, layer) in layers.enumerated() {
      guard let next = layer.outputShape(for: shape) else {
        throw PollenError(
          .shapeMismatch, "layer \(index) (\(type(of: layer))) cannot take input of shape \(shape)")
      }
      shape = next
    }
    self.layers = layers
    self.inputShape = inputShape
    self.outputShape = shape
  }

  /// The output for a batch `[batch] + inputShape`, remembering what ``backward(_:)`` needs.
  public mutating func forward(_ input: Tensor) -> Tensor {
    var x = input
    for i in layers.indices { x = layers[i].forward(x) }
    return x
  }

  /// Back-propagates the gradient of the loss with respect to the last output through every
  /// layer, storing each layer's parameter gradients (see ``gradients``).
  public mutating func backward(_ outputGradient: Tensor) {
    var g = outputGradient
    for i in layers.indices.reversed() {
      if i == 0 {
        layers[i].backwardParametersOnly(g)
      } else {
        g = layers[i].backward(g)
      }
    }
  }

  /// Like ``backward(_:)``, also returning the gradient with respect to the last input.
  public mutating func backwardToInput(_ outputGradient: Tensor) -> Tensor {
    var g = outputGradient
    for i in layers.indices.reversed() { g = layers[i].backward(g) }
    return g
  }

  /// The output for a batch, leaving this model untouched.
  public func predict(_ input: Tensor) -> Tensor {
    var copy = self
    return copy.forward(input)
  }

  /// Calls `body` with each parameter (mutable in place), its gradient and its index in
  /// parameter order.
  public mutating func updateParameters(
    _ body: (_ parameter: inout Tensor, _ gradient: Tensor, _ index: Int) -> Void
  ) {
    var index = 0
    for i in layers.indices {
      layers[i].updateParameters { parameter, gradient in
        body(&parameter, gradient, index)
        index += 1
      }
    }
  }
}

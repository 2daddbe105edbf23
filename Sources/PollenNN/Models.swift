import PollenCore

/// Ready-made models with seeded initialisation: the same seed gives the same parameters.
///
/// Hidden layers use He normal weights (they feed a ReLU), output layers Glorot uniform, biases
/// are zero. Parameter order and layouts match the equivalent PyTorch `nn.Sequential`.
public enum Models {
  /// Multinomial logistic regression: `Dense(inputs → classes)` (after `Flatten` if examples
  /// have more than one dimension), zero-initialised. Parameters: weight `[classes, inputs]`,
  /// bias `[classes]`.
  public static func logisticRegression(inputShape: [Int], classes: Int) -> Sequential {
    var rng = SeededRandom(seed: 0)
    let inputs = inputShape.reduce(1, *)
    return build(
      inputShape,
      flatten(inputShape) + [Dense(inputs: inputs, outputs: classes, initializer: .zeros, rng: &rng)])
  }

  /// A multilayer perceptron: `Dense → ReLU` for each hidden size, then `Dense → classes`.
  /// Parameters: per dense layer, weight `[out, in]` then bias `[out]`.
  public static func mlp(inputShape: [Int], hidden: [Int] = [64], classes: Int, seed: UInt64 = 0)
    -> Sequential
  {
    var layers: [any Layer] = flatten(inputShape)
    var width = inputShape.reduce(1, *)
    for (index, size) in hidden.enumerated() {
      var rng = SeededRandom.derived(seed: seed, stream: UInt64(index))
      layers += [Dense(inputs: width, outputs: size, initializer: .heNormal, rng: &rng), ReLU()]
      width = size
    }
    var rng = SeededRandom.derived(seed: seed, stream: UInt64(hidden.count))
    layers.append(Dense(inputs: width, outputs: classes, initializer: .glorotUniform, rng: &rng))
    return build(inputShape, layers)
  }

  /// The CNN of McMahan et al. 2017 ("Communication-Efficient Learning of Deep Networks from
  /// Decentralized Data") for `[channels, height, width]` inputs such as `[1, 28, 28]`:
  /// `Conv 5×5 (conv1 filters, same) → ReLU → MaxPool 2×2 → Conv 5×5 (conv2, same) → ReLU →
  /// MaxPool 2×2 → Flatten → Dense (hidden) → ReLU → Dense (classes)`.
  ///
  /// With the paper's sizes (32, 64, 512) and 10 classes on 28 × 28 it has 1,663,370
  /// parameters; smaller sizes keep the architecture for quick tests. Parameters, in order:
  /// conv1 weight `[conv1, channels, 5, 5]`, bias; conv2 weight `[conv2, conv1, 5, 5]`, bias;
  /// dense weight `[hidden, conv2·(height/4)·(width/4)]`, bias; output weight
  /// `[classes, hidden]`, bias.
  public static func cnn(
    inputShape: [Int] = [1, 28, 28], classes: Int = 10, conv1: Int = 32, conv2: Int = 64, hidden: Int = 512,
    seed: UInt64 = 0
  ) -> Sequential {
    precondition(inputShape.count == 3, "the CNN takes [channels, height, width] examples")
    var r0 = SeededRandom.derived(seed: seed, stream: 0)
    var r1 = SeededRandom.derived(seed: seed, stream: 1)
    var r2 = SeededRandom.derived(seed: seed, stream: 2)
    var r3 = SeededRandom.derived(seed: seed, stream: 3)
    let flat = conv2 * (inputShape[1] / 4) * (inputShape[2] / 4)
    let layers: [any Layer] = [
      Conv2D(inChannels: inputShape[0], outChannels: conv1, kernelSize: 5, padding: .same, rng: &r0),
      ReLU(), MaxPool2D(),
      Conv2D(inChannels: conv1, outChannels: conv2, kernelSize: 5, padding: .same, rng: &r1),
      ReLU(), MaxPool2D(), Flatten(),
      Dense(inputs: flat, outputs: hidden, initializer: .heNormal, rng: &r2), ReLU(),
      Dense(inputs: hidden, outputs: classes, initializer: .glorotUniform, rng: &r3),
    ]
    return build(inputShape, layers)
  }

  private static func flatten(_ inputShape: [Int]) -> [any Layer] {
    inputShape.count > 1 ? [Flatten()] : []
  }

  private static func build(_ inputShape: [Int], _ layers: [any Layer]) -> Sequential {
    do {
      return try Sequential(inputShape: inputShape, layers: layers)
    } catch {
      preconditionFailure("invalid model for input shape \(inputShape): \(error)")
    }
  }
}

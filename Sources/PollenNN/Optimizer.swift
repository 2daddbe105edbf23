import Foundation

/// Updates parameters from their gradients, one tensor at a time.
///
/// A training step calls ``beginStep()`` once, then ``update(_:gradient:slot:)`` for every
/// parameter tensor; `slot` is the tensor's index in the model's parameter order, so stateful
/// optimizers keep their per-tensor state (velocity, moments) across steps.
public protocol Optimizer: Sendable {
  /// The step size.
  var learningRate: Float { get set }
  /// Starts a step (Adam counts steps for its bias correction).
  mutating func beginStep()
  /// Updates `parameter` in place from `gradient` (same count).
  mutating func update(_ parameter: inout [Float], gradient: [Float], slot: Int)
}

extension Optimizer {
  public mutating func beginStep() {}
}

/// Stochastic gradient descent with optional momentum and weight decay, as PyTorch's
/// `torch.optim.SGD` (no dampening, no Nesterov):
/// `g ← ∇ + λ·w`, `v ← μ·v + g` (`v = g` on the first step), `w ← w − lr·v`.
public struct SGD: Optimizer {
  public var learningRate: Float
  /// μ; 0 for plain SGD.
  public var momentum: Float
  /// λ, the L2 penalty added to the gradient.
  public var weightDecay: Float
  private var velocity: [[Float]] = []

  public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
    self.learningRate = learningRate
    self.momentum = momentum
    self.weightDecay = weightDecay
  }

  public mutating func update(_ parameter: inout [Float], gradient: [Float], slot: Int) {
    precondition(parameter.count == gradient.count, "parameter and gradient counts differ")
    let (lr, mu, wd) = (learningRate, momentum, weightDecay)
    if mu == 0 {
      for i in parameter.indices { parameter[i] -= lr * (gradient[i] + wd * parameter[i]) }
      return
    }
    while velocity.count <= slot { velocity.append([]) }
    var vel = velocity[slot]
    velocity[slot] = []  // keep `vel` uniquely referenced while it is updated
    if vel.isEmpty {
      vel = zip(gradient, parameter).map { $0 + wd * $1 }
    } else {
      for i in parameter.indices { vel[i] = mu * vel[i] + gradient[i] + wd * parameter[i] }
    }
    for i in parameter.indices { parameter[i] -= lr * vel[i] }
    velocity[slot] = vel
  }
}

/// Adam (Kingma & Ba 2015), as PyTorch's `torch.optim.Adam` (weight decay added to the
/// gradient): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `w ← w − lr · (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε)`.
public struct Adam: Optimizer {
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var epsilon: Float
  /// λ, the L2 penalty added to the gradient.
  public var weightDecay: Float
  /// Steps taken so far (t).
  public private(set) var step = 0
  private var m: [[Float]] = []
  private var v: [[Float]] = []

  public init(
    learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
    weightDecay: Float = 0
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }

  public mutating func beginStep() { step += 1 }

  public mutating func update(_ parameter: inout [Float], gradient: [Float], slot: Int) {
    precondition(parameter.count == gradient.count, "parameter and gradient counts differ")
    while m.count <= slot {
      m.append([])
      v.append([])
    }
    var ms = m[slot]
    var vs = v[slot]
    m[slot] = []  // keep `ms` and `vs` uniquely referenced while they are updated
    v[slot] = []
    if ms.isEmpty {
      ms = [Float](repeating: 0, count: parameter.count)
      vs = ms
    }
    let t = Float(max(step, 1))
    let correction1 = 1 - pow(beta1, t)
    let correction2 = 1 - pow(beta2, t)
    let (b1, b2, lr, eps, wd) = (beta1, beta2, learningRate, epsilon, weightDecay)
    for i in parameter.indices {
      let g = gradient[i] + wd * parameter[i]
      ms[i] = b1 * ms[i] + (1 - b1) * g
      vs[i] = b2 * vs[i] + (1 - b2) * g * g
      let mHat = ms[i] / correction1
      let vHat = vs[i] / correction2
      parameter[i] -= lr * mHat / (vHat.squareRoot() + eps)
    }
    m[slot] = ms
    v[slot] = vs
  }
}

/// Which optimizer `Sequential/train(on:epochs:batchSize:optimizer:learningRate:loss:proximalMu:globalParameters:seed:maxExamples:)`
/// creates (afresh for each call, as Flower's PyTorch clients do in `fit`).
public enum OptimizerKind: Sendable, Hashable {
  case sgd(momentum: Float = 0, weightDecay: Float = 0)
  case adam(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0)

  /// Plain SGD.
  public static var sgd: OptimizerKind { .sgd() }
  /// Adam with PyTorch's defaults.
  public static var adam: OptimizerKind { .adam() }

  /// A new optimizer of this kind.
  public func make(learningRate: Float) -> any Optimizer {
    switch self {
    case .sgd(let momentum, let weightDecay):
      return SGD(learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
    case .adam(let beta1, let beta2, let epsilon, let weightDecay):
      return Adam(
        learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
    }
  }
}

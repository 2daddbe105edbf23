import PollenCore

extension Aggregation {
  /// The adaptive rule of a FedOpt strategy (Reddi et al. 2021, "Adaptive Federated Optimization").
  public enum AdaptiveRule: String, Sendable, CaseIterable {
    /// FedAdagrad: `v ← v + Δ²`.
    case adagrad
    /// FedAdam: `v ← β₂ v + (1 − β₂) Δ²`, with Flower's bias correction of the step size.
    case adam
    /// FedYogi: `v ← v − (1 − β₂) Δ² sign(v − Δ²)`.
    case yogi
  }

  /// The hyperparameters of a FedOpt server step.
  public struct AdaptiveHyperparameters: Sendable, Hashable {
    /// Server learning rate `η`.
    public var eta: Double
    /// First-moment decay `β₁`.
    public var beta1: Double
    /// Second-moment decay `β₂`.
    public var beta2: Double
    /// Adaptivity `τ`, added to `√v`.
    public var tau: Double

    /// Hyperparameters with the given values.
    public init(eta: Double, beta1: Double, beta2: Double, tau: Double) {
      self.eta = eta
      self.beta1 = beta1
      self.beta2 = beta2
      self.tau = tau
    }
  }

  /// One FedOpt server step, as Flower's `FedAdagrad`/`FedAdam`/`FedYogi.aggregate_fit` after the
  /// FedAvg average: with `Δ = average − weights`, `m ← β₁ m + (1 − β₁) Δ`, `v` by `rule`, and
  /// `weights + η m / (√v + τ)`. For Adam, Flower scales `η` by `√(1 − β₂^(t+1)) / (1 − β₁^(t+1))`
  /// with `t = serverRound` (the paper's FedAdam has no bias correction).
  ///
  /// `m` and `v` start at zero when `nil`. Each quantity is computed in double precision and
  /// rounded to the layer's dtype where numpy would hold it, so state carried across rounds
  /// matches Flower's. The layer's dtype is ``serverStepDType(_:_:)`` of the model's and the
  /// average's (an int64 model with a float64 average steps in float64). One difference: Flower's
  /// FedAdam multiplies by `eta_norm`, a numpy float64 (`flwr/server/strategy/fedadam.py`), so
  /// its weights become float64 even for a float32 model; Pollen keeps float32 there (Swift
  /// clients expect the dtype they sent), equal to Flower's values rounded to float32.
  public static func adaptiveStep(
    rule: AdaptiveRule, _ h: AdaptiveHyperparameters, serverRound: Int,
    weights: [NDArray], average: [NDArray], m: [NDArray]?, v: [NDArray]?
  ) throws -> (weights: [NDArray], m: [NDArray], v: [NDArray]) {
    try checkSameShapes([weights, average] + (m.map { [$0] } ?? []) + (v.map { [$0] } ?? []), "FedOpt")
    var eta = h.eta
    if rule == .adam {
      let t = Double(serverRound) + 1
      eta *= (1 - MathFunctions.pow(h.beta2, t)).squareRoot() / (1 - MathFunctions.pow(h.beta1, t))
    }
    var newW: [NDArray] = []
    var newM: [NDArray] = []
    var newV: [NDArray] = []
    for l in weights.indices {
      let (dtype, shape) = (serverStepDType(weights[l].dtype, average[l].dtype), weights[l].shape)
      let round = dtype.roundingFunction
      let x = weights[l].doubles()
      let a = average[l].doubles()
      var mm = m?[l].doubles() ?? [Double](repeating: 0, count: x.count)
      var vv = v?[l].doubles() ?? [Double](repeating: 0, count: x.count)
      var out = [Double](repeating: 0, count: x.count)
      for i in 0..<x.count {
        let d = round(a[i] - x[i])
        mm[i] = round(h.beta1 * mm[i] + (1 - h.beta1) * d)
        let d2 = d * d
        switch rule {
        case .adagrad: vv[i] = round(vv[i] + d2)
        case .adam: vv[i] = round(h.beta2 * vv[i] + (1 - h.beta2) * d2)
        case .yogi: vv[i] = round(vv[i] - (1 - h.beta2) * d2 * sign(vv[i] - d2))
        }
        out[i] = x[i] + eta * mm[i] / (vv[i].squareRoot() + h.tau)
      }
      newW.append(NDArray(doubles: out, dtype: dtype, shape: shape))
      newM.append(NDArray(doubles: mm, dtype: dtype, shape: shape))
      newV.append(NDArray(doubles: vv, dtype: dtype, shape: shape))
    }
    return (newW, newM, newV)
  }

  /// One FedAvgM server step (Hsu et al. 2019), as Flower's `FedAvgM.aggregate_fit`: the
  /// pseudo-gradient `g = weights − average`; with `momentum > 0`, `v ← momentum · v + g` (or
  /// `v = g` the first time) and `g = v`; the new weights are `weights − learningRate · g`.
  ///
  /// Returns the new weights and the momentum vector (`nil` when `momentum` is 0), in
  /// ``serverStepDType(_:_:)`` of the model's and the average's dtypes, as numpy's promotion gives
  /// them (`flwr/server/strategy/fedavgm.py`: `x - y`, `momentum * v + g`, `x - lr * g`).
  public static func momentumStep(
    weights: [NDArray], average: [NDArray], velocity: [NDArray]?, learningRate: Double, momentum: Double
  ) throws -> (weights: [NDArray], velocity: [NDArray]?) {
    try checkSameShapes([weights, average] + (velocity.map { [$0] } ?? []), "FedAvgM")
    var newW: [NDArray] = []
    var newV: [NDArray] = []
    for l in weights.indices {
      let (dtype, shape) = (serverStepDType(weights[l].dtype, average[l].dtype), weights[l].shape)
      let round = dtype.roundingFunction
      let x = weights[l].doubles()
      let a = average[l].doubles()
      var g = zip(x, a).map { round($0 - $1) }
      if momentum > 0 {
        if let velocity {
          g = zip(velocity[l].doubles(), g).map { round(momentum * $0 + $1) }
        }
        newV.append(NDArray(doubles: g, dtype: dtype, shape: shape))
      }
      newW.append(NDArray(doubles: zip(x, g).map { $0 - learningRate * $1 }, dtype: dtype, shape: shape))
    }
    return (newW, momentum > 0 ? newV : nil)
  }

  /// The dtype of a server step's quantities for a layer whose model has dtype `model` and whose
  /// FedAvg average has dtype `average`: numpy's `result_type(model, average)` (`x - y`), made
  /// float64 when that is an integer or bool type (the step multiplies by Python floats, weak
  /// scalars that turn integer arrays into float64).
  public static func serverStepDType(_ model: DType, _ average: DType) -> DType {
    let d = model.promoted(with: average)
    return d.isFloatingPoint ? d : .float64
  }

  /// numpy's `sign`: −1, 0 or 1 (NaN stays NaN).
  @inline(__always) static func sign(_ x: Double) -> Double {
    x > 0 ? 1 : (x < 0 ? -1 : x)
  }
}

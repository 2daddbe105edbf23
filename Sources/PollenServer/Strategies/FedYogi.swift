import PollenCore

/// FedYogi (Reddi et al. 2021), as Flower's `FedYogi`: each round's FedAvg average `a` gives
/// `Δ = a − x`, `m ← β₁ m + (1 − β₁) Δ`, `v ← v − (1 − β₂) Δ² sign(v − Δ²)`,
/// `x ← x + η m / (√v + τ)`. As in Flower, `v` starts at zero (the paper's Algorithm 2 asks for
/// `v₋₁ ≥ τ²`) and there is no bias correction.
///
/// Memory: O(model) for any number of clients K (FedAvg's running sum, the server model, `m` and
/// `v`).
public struct FedYogi: FedOptBased {
  /// Sampling, instructions, evaluation and the common options (Flower's `FedAvg` defaults).
  public var fedAvg: FedAvg
  /// Hyperparameters and state of the server optimiser (rule `.yogi`).
  public var fedOpt: FedOpt

  /// - Parameters:
  ///   - fedAvg: the FedAvg that samples, configures and averages (its settings are Flower's).
  ///   - eta: server learning rate `η` (Flower's default 1e-2).
  ///   - etaL: client learning rate, stored only (Flower's default 0.0316).
  ///   - beta1: first-moment decay `β₁` (Flower's default 0.9).
  ///   - beta2: second-moment decay `β₂` (Flower's default 0.99).
  ///   - tau: degree of adaptivity `τ` (Flower's default 1e-3).
  public init(
    fedAvg: FedAvg = FedAvg(), eta: Double = 1e-2, etaL: Double = 0.0316, beta1: Double = 0.9,
    beta2: Double = 0.99, tau: Double = 1e-3
  ) {
    self.fedAvg = fedAvg
    self.fedOpt = FedOpt(
      rule: .yogi, eta: eta, etaL: etaL, beta1: beta1, beta2: beta2, tau: tau,
      initialWeights: fedAvg.initialParameters?.tensors)
  }
}

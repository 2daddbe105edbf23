import PollenCore

/// FedAdam (Reddi et al. 2021), as Flower's `FedAdam`: each round's FedAvg average `a` gives
/// `Δ = a − x`, `m ← β₁ m + (1 − β₁) Δ`, `v ← β₂ v + (1 − β₂) Δ²`, `x ← x + η' m / (√v + τ)`.
///
/// Flower scales the step with a bias correction, `η' = η √(1 − β₂^(t+1)) / (1 − β₁^(t+1))` for
/// round `t`; the paper's FedAdam (Algorithm 2) uses `η` unchanged. Pollen follows Flower.
///
/// Memory: O(model) for any number of clients K (FedAvg's running sum, the server model, `m` and
/// `v`).
public struct FedAdam: FedOptBased {
  /// Sampling, instructions, evaluation and the common options (Flower's `FedAvg` defaults).
  public var fedAvg: FedAvg
  /// Hyperparameters and state of the server optimiser (rule `.adam`).
  public var fedOpt: FedOpt

  /// - Parameters:
  ///   - fedAvg: the FedAvg that samples, configures and averages (its settings are Flower's).
  ///   - eta: server learning rate `η` (Flower's default 0.1).
  ///   - etaL: client learning rate, stored only (Flower's default 0.1).
  ///   - beta1: first-moment decay `β₁` (Flower's default 0.9).
  ///   - beta2: second-moment decay `β₂` (Flower's default 0.99).
  ///   - tau: degree of adaptivity `τ` (Flower's default 1e-9).
  public init(
    fedAvg: FedAvg = FedAvg(), eta: Double = 1e-1, etaL: Double = 1e-1, beta1: Double = 0.9,
    beta2: Double = 0.99, tau: Double = 1e-9
  ) {
    self.fedAvg = fedAvg
    self.fedOpt = FedOpt(
      rule: .adam, eta: eta, etaL: etaL, beta1: beta1, beta2: beta2, tau: tau,
      initialWeights: fedAvg.initialParameters?.tensors)
  }
}

import PollenCore

/// FedAdagrad (Reddi et al. 2021), as Flower's `FedAdagrad`: each round's FedAvg average `a`
/// gives `Δ = a − x`, `v ← v + Δ²`, `x ← x + η Δ / (√v + τ)`.
///
/// Flower fixes `β₁ = 0` (no first-moment momentum), where the paper's FedAdagrad allows it.
///
/// Memory: O(model) for any number of clients K (FedAvg's running sum, the server model and `v`).
public struct FedAdagrad: FedOptBased {
  /// Sampling, instructions, evaluation and the common options (Flower's `FedAvg` defaults).
  public var fedAvg: FedAvg
  /// Hyperparameters and state of the server optimiser (rule `.adagrad`, `β₁ = β₂ = 0`).
  public var fedOpt: FedOpt

  /// - Parameters:
  ///   - fedAvg: the FedAvg that samples, configures and averages (its settings are Flower's).
  ///   - eta: server learning rate `η` (Flower's default 0.1).
  ///   - etaL: client learning rate, stored only (Flower's default 0.1).
  ///   - tau: degree of adaptivity `τ` (Flower's default 1e-9).
  public init(fedAvg: FedAvg = FedAvg(), eta: Double = 1e-1, etaL: Double = 1e-1, tau: Double = 1e-9) {
    self.fedAvg = fedAvg
    self.fedOpt = FedOpt(
      rule: .adagrad, eta: eta, etaL: etaL, beta1: 0, beta2: 0, tau: tau,
      initialWeights: fedAvg.initialParameters?.tensors)
  }
}

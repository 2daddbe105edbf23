import PollenCore

/// FedProx (Li et al. 2020), as Flower's `FedProx`: FedAvg on the server; each fit instruction's
/// config also carries `"proximal_mu"`, and the client adds `μ/2 · ‖w − wᵗ‖²` to its local loss.
///
/// Flower's docstring shows the proximal term as the sum of per-layer norms (not squared); the
/// paper's term is the squared norm. The client decides; the server only sends `μ`.
///
/// Results are folded in as they arrive (memory stays one model).
///
/// Memory: O(model) for any number of clients K (one running sum).
public struct FedProx: FedAvgBased {
  /// Sampling, instructions, evaluation and the common options (Flower's `FedAvg` defaults).
  public var fedAvg: FedAvg
  /// `μ`, the weight of the proximal term (Flower's required `proximal_mu`; 0 is FedAvg).
  public var proximalMu: Double

  /// The config key that carries `μ` to the clients.
  public static let configKey = "proximal_mu"

  /// FedProx around `fedAvg`, sending `proximalMu` to the clients.
  public init(fedAvg: FedAvg = FedAvg(), proximalMu: Double) {
    self.fedAvg = fedAvg
    self.proximalMu = proximalMu
  }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  )
    async -> [FitInstruction]
  {
    let mu = Scalar.double(proximalMu)
    return await fedAvg.configureFit(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager
    )
    .map { client, ins in
      var ins = ins
      ins.config[Self.configKey] = mu
      return (client, ins)
    }
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    fedAvg.accumulateFit(serverRound: serverRound, result: result)
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    fedAvg.aggregateFit(serverRound: serverRound, results: results, failures: failures)
  }
}

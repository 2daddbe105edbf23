import PollenCore

/// Krum (Blanchard et al. 2017) and MultiKrum, as Flower's `Krum`: each client's model is scored
/// by the summed squared distances to its `n − f − 2` nearest neighbours; Krum keeps the model
/// with the lowest score, MultiKrum averages (weighted by example counts) the
/// ``numClientsToKeep`` lowest-scoring ones (``Aggregation/krum(_:numMalicious:toKeep:)``).
///
/// Needs every result at once, so ``accumulateFit(serverRound:result:)`` returns `false`.
///
/// Memory: O(K × model) for the results kept until ``aggregateFit(serverRound:results:failures:)``,
/// plus K × K pairwise distances.
public struct Krum: FedAvgBased {
  /// Sampling, instructions, evaluation and the common options (Flower's `FedAvg` defaults).
  public var fedAvg: FedAvg
  /// `f`, the number of Byzantine clients to tolerate (Flower's `num_malicious_clients`,
  /// default 0). The paper requires `n > 2f + 2`; Flower (and Pollen) use `max(1, n − f − 2)`
  /// neighbours without checking.
  public var numMaliciousClients: Int
  /// 0 for Krum; `m > 0` for MultiKrum, averaging the `m` best models (Flower's
  /// `num_clients_to_keep`, default 0). Pollen keeps all `n` models when `m > n`; Flower's slice
  /// then keeps fewer.
  public var numClientsToKeep: Int

  /// Krum (or MultiKrum when `numClientsToKeep > 0`) around `fedAvg`.
  public init(fedAvg: FedAvg = FedAvg(), numMaliciousClients: Int = 0, numClientsToKeep: Int = 0) {
    self.fedAvg = fedAvg
    self.numMaliciousClients = numMaliciousClients
    self.numClientsToKeep = numClientsToKeep
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    let (f, m) = (numMaliciousClients, numClientsToKeep)
    return aggregateAll("Krum", serverRound: serverRound, results: results, failures: failures) {
      try Aggregation.krum($0, numMalicious: f, toKeep: m)
    }
  }
}

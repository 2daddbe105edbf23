import PollenCore

/// Bulyan (El Mhamdi et al. 2018), as Flower's `Bulyan` with its first rule Krum: `n − 2f`
/// models are chosen one by one by Krum, then each coordinate is the mean of the `n − 4f` chosen
/// values closest to their median (``Aggregation/bulyan(_:numMalicious:)``). Example counts are
/// ignored.
///
/// Needs every result at once, so ``accumulateFit(serverRound:result:)`` returns `false`. With
/// fewer than `4f + 3` results, Flower raises `ValueError` and the run stops; Pollen logs the
/// error and keeps the old model for that round.
///
/// Flower's `first_aggregation_rule` accepts only `aggregate_krum` (with `to_keep=0`; MultiKrum
/// returns an average that its reference search cannot find), so Pollen fixes it to Krum.
///
/// Memory: O(K × model) — every result of the round is kept until ``aggregateFit(serverRound:results:failures:)``.
public struct Bulyan: FedAvgBased {
  /// Sampling, instructions, evaluation and the common options (Flower's `FedAvg` defaults).
  public var fedAvg: FedAvg
  /// `f`, the number of Byzantine clients to tolerate (Flower's `num_malicious_clients`,
  /// default 0). Each round needs at least `4f + 3` results.
  public var numMaliciousClients: Int

  /// Bulyan around `fedAvg`, tolerating `numMaliciousClients` Byzantine clients.
  public init(fedAvg: FedAvg = FedAvg(), numMaliciousClients: Int = 0) {
    self.fedAvg = fedAvg
    self.numMaliciousClients = numMaliciousClients
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    let f = numMaliciousClients
    return aggregateAll("Bulyan", serverRound: serverRound, results: results, failures: failures) {
      try Aggregation.bulyan($0.map(\.arrays), numMalicious: f)
    }
  }
}

import PollenCore

/// Federated median (Yin et al. 2018), as Flower's `FedMedian`: the new global model is the
/// coordinate-wise median of the clients' models (``Aggregation/median(_:)``); example counts are
/// ignored. Robust to a minority of outliers.
///
/// Needs every result at once, so ``accumulateFit(serverRound:result:)`` returns `false`.
///
/// Memory: O(K × model) — every result of the round is kept until ``aggregateFit(serverRound:results:failures:)``.
public struct FedMedian: FedAvgBased {
  /// Sampling, instructions, evaluation and the common options (Flower's `FedAvg` defaults).
  public var fedAvg: FedAvg

  /// FedMedian around `fedAvg`.
  public init(fedAvg: FedAvg = FedAvg()) {
    self.fedAvg = fedAvg
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    aggregateAll("FedMedian", serverRound: serverRound, results: results, failures: failures) {
      try Aggregation.median($0.map(\.arrays))
    }
  }
}

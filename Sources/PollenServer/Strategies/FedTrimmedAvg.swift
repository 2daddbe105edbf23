import PollenCore

/// Federated trimmed mean (Yin et al. 2018), as Flower's `FedTrimmedAvg`: for each coordinate,
/// the `Int(beta × n)` lowest and highest client values are dropped and the rest averaged
/// (``Aggregation/trimmedMean(_:beta:)``); example counts are ignored.
///
/// Needs every result at once, so ``accumulateFit(serverRound:result:)`` returns `false`.
///
/// Memory: O(K × model) — every result of the round is kept until ``aggregateFit(serverRound:results:failures:)``.
public struct FedTrimmedAvg: FedAvgBased {
  /// Sampling, instructions, evaluation and the common options (Flower's `FedAvg` defaults).
  public var fedAvg: FedAvg
  /// Fraction cut off each tail of every coordinate's distribution, in `[0, 0.5)`. Flower's
  /// default is 0.2. (The paper's β is the same fraction.)
  public private(set) var beta: Double

  /// - Throws: `PollenError` `.invalidArgument` when `beta` is not in `[0, 0.5)` (Flower raises
  ///   `ValueError`).
  public init(fedAvg: FedAvg = FedAvg(), beta: Double = 0.2) throws {
    guard beta >= 0 && beta < 0.5 else {
      throw PollenError(.invalidArgument, "FedTrimmedAvg: beta must be in the range [0, 0.5), got \(beta)")
    }
    self.fedAvg = fedAvg
    self.beta = beta
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    let beta = beta
    return aggregateAll("FedTrimmedAvg", serverRound: serverRound, results: results, failures: failures) {
      try Aggregation.trimmedMean($0.map(\.arrays), beta: beta)
    }
  }
}

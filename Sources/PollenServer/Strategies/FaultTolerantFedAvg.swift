import PollenCore

/// FedAvg that aggregates only when enough of the sampled clients completed, as Flower's
/// `FaultTolerantFedAvg`: a round with `results / (results + failures)` below
/// ``minCompletionRateFit`` keeps the old model; evaluation likewise with
/// ``minCompletionRateEvaluate``. Failures are otherwise accepted.
///
/// Results are folded in as they arrive (memory stays one model).
///
/// Memory: O(model) for any number of clients K (one running sum).
public struct FaultTolerantFedAvg: FedAvgBased {
  /// Sampling, instructions, evaluation and the common options. Flower's defaults here are 1
  /// minimum fit, evaluate and available client (not FedAvg's 2), and failures are accepted.
  public var fedAvg: FedAvg
  /// Minimum fraction of the round's fit instructions that must succeed (Flower's
  /// `min_completion_rate_fit`, default 0.5).
  public var minCompletionRateFit: Double
  /// Minimum fraction of the round's evaluate instructions that must succeed (Flower's
  /// `min_completion_rate_evaluate`, default 0.5).
  public var minCompletionRateEvaluate: Double

  /// Flower's common defaults for this strategy: 1 minimum fit, evaluate and available client.
  public static let defaultFedAvg = FedAvg(minFitClients: 1, minEvaluateClients: 1, minAvailableClients: 1)

  /// FaultTolerantFedAvg around `fedAvg` (whose `acceptFailures` is forced on), with Flower's
  /// default completion rates.
  public init(
    fedAvg: FedAvg = FaultTolerantFedAvg.defaultFedAvg, minCompletionRateFit: Double = 0.5,
    minCompletionRateEvaluate: Double = 0.5
  ) {
    self.fedAvg = fedAvg
    self.fedAvg.acceptFailures = true
    self.fedAvg.inplace = false  // Flower's FaultTolerantFedAvg averages with `aggregate`.
    self.minCompletionRateFit = minCompletionRateFit
    self.minCompletionRateEvaluate = minCompletionRateEvaluate
  }

  /// `results / (results + failures)`.
  public static func completionRate(results: Int, failures: Int) -> Double {
    Double(results) / Double(results + failures)
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    fedAvg.accumulateFit(serverRound: serverRound, result: result)
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    guard !results.isEmpty,
      Self.completionRate(results: results.count, failures: failures.count) >= minCompletionRateFit
    else {
      fedAvg.discardRunningSum()
      return (nil, [:])
    }
    return fedAvg.aggregateFit(serverRound: serverRound, results: results, failures: [])
  }

  public mutating func aggregateEvaluate(
    serverRound: Int, results: [EvaluateResult], failures: [ClientFailure]
  )
    -> (loss: Double?, metrics: Metrics)
  {
    guard !results.isEmpty,
      Self.completionRate(results: results.count, failures: failures.count) >= minCompletionRateEvaluate
    else { return (nil, [:]) }
    return fedAvg.aggregateEvaluate(serverRound: serverRound, results: results, failures: [])
  }
}

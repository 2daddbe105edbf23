import PollenCore

/// Wraps a strategy so that a fit result with partial work counts as a failure: the Flower
/// paper's FedAvg with timeout `Δ` (Appendix A.2, "Partial work": an update not finished within
/// `Δ` "is discarded").
///
/// A result is partial when its metrics say it processed fewer examples than it could have
/// (`examples_processed < examples_possible`, as PollenNN's `TrainingClient` reports after a
/// `timeout` or cut-off stopped it); results without those metrics are kept. Discarded results
/// never reach the wrapped strategy: they go to its `aggregateFit` as failures
/// (`PollenError/Code-swift.struct/timeout`). Everything else is forwarded unchanged.
public struct DiscardPartialWork: StrategyDecorator {
  /// The strategy that aggregates the complete results.
  public var strategy: any Strategy
  /// The clients whose result this round was discarded.
  private var discarded: [String: PollenError] = [:]

  public init(_ strategy: any Strategy) {
    self.strategy = strategy
  }

  /// Whether `res` reports less work than it was allowed (see the type's description).
  public static func isPartial(_ res: FitRes) -> Bool {
    guard let processed = res.metrics["examples_processed"]?.intValue,
      let possible = res.metrics["examples_possible"]?.intValue
    else { return false }
    return processed < possible
  }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  )
    async -> [FitInstruction]
  {
    discarded = [:]
    return await strategy.configureFit(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }

  private mutating func discardIfPartial(_ result: FitResult) -> Bool {
    guard Self.isPartial(result.res) else { return false }
    let processed = result.res.metrics["examples_processed"]?.intValue ?? 0
    let possible = result.res.metrics["examples_possible"]?.intValue ?? 0
    let error = PollenError(
      .timeout,
      "partial work (\(processed) of \(possible) examples) discarded: the update missed its time limit")
    strategyLogger.warning("client \(result.client.cid): \(error.message)")
    discarded[result.client.cid] = error
    return true
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    // A discarded result is "kept" here: the server hands it back empty, and it is dropped.
    if discardIfPartial(result) { return true }
    return strategy.accumulateFit(serverRound: serverRound, result: result)
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    var kept: [FitResult] = []
    for result in results where discarded[result.client.cid] == nil {
      if !discardIfPartial(result) { kept.append(result) }
    }
    let dropped = discarded.sorted { $0.key < $1.key }.map { ClientFailure(cid: $0.key, error: $0.value) }
    return strategy.aggregateFit(serverRound: serverRound, results: kept, failures: failures + dropped)
  }
}

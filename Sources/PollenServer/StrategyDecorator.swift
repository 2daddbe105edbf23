import PollenCore

/// A strategy that wraps another and passes on every call it does not change — the strategy
/// side of `ClientDecorator`, and how Flower's strategy wrappers (the DP ones) compose.
///
/// A decorator implements only what it alters; everything else, the strategy's state for a
/// resumed run included (``Strategy/exportState()``, ``Strategy/restoreState(_:)``), goes to
/// ``strategy`` unchanged.
public protocol StrategyDecorator: Strategy {
  /// The strategy whose calls are passed on.
  var strategy: any Strategy { get set }
}

extension StrategyDecorator {
  public mutating func initializeParameters(clientManager: any ClientManager) async -> Parameters? {
    await strategy.initializeParameters(clientManager: clientManager)
  }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  )
    async -> [FitInstruction]
  {
    await strategy.configureFit(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    strategy.accumulateFit(serverRound: serverRound, result: result)
  }

  public func exportState() -> StrategyState { strategy.exportState() }

  public mutating func restoreState(_ state: StrategyState) throws { try strategy.restoreState(state) }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    strategy.aggregateFit(serverRound: serverRound, results: results, failures: failures)
  }

  public mutating func configureEvaluate(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  ) async -> [EvaluateInstruction] {
    await strategy.configureEvaluate(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }

  public mutating func aggregateEvaluate(
    serverRound: Int, results: [EvaluateResult], failures: [ClientFailure]
  )
    -> (loss: Double?, metrics: Metrics)
  {
    strategy.aggregateEvaluate(serverRound: serverRound, results: results, failures: failures)
  }

  public mutating func evaluate(serverRound: Int, parameters: Parameters) async -> (
    loss: Double, metrics: Metrics
  )? {
    await strategy.evaluate(serverRound: serverRound, parameters: parameters)
  }

  public func roundTimeout(serverRound: Int) -> Duration? { strategy.roundTimeout(serverRound: serverRound) }

  public func stopReason(beforeRound serverRound: Int) -> String? {
    strategy.stopReason(beforeRound: serverRound)
  }
}

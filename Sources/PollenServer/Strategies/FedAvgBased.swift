import PollenCore

/// A strategy built around an inner ``FedAvg``, as Flower's strategies subclass `FedAvg`: client
/// sampling, instructions, federated and centralised evaluation are the inner FedAvg's; only the
/// aggregation of fit results differs.
///
/// Conforming types store a ``fedAvg`` and implement ``Strategy/aggregateFit(serverRound:results:failures:)``;
/// the other methods forward to ``fedAvg`` by default. The common settings (fractions, minimum
/// clients, `evaluateFn`, `onFitConfig`, …) are the inner FedAvg's:
/// `strategy.fedAvg.fractionFit = 0.5`.
public protocol FedAvgBased: Strategy {
  /// The inner FedAvg holding the common settings.
  var fedAvg: FedAvg { get set }
}

extension FedAvgBased {
  public mutating func initializeParameters(clientManager: any ClientManager) async -> Parameters? {
    await fedAvg.initializeParameters(clientManager: clientManager)
  }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  )
    async -> [FitInstruction]
  {
    await fedAvg.configureFit(serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }

  public mutating func configureEvaluate(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  ) async -> [EvaluateInstruction] {
    await fedAvg.configureEvaluate(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }

  public mutating func aggregateEvaluate(
    serverRound: Int, results: [EvaluateResult], failures: [ClientFailure]
  )
    -> (loss: Double?, metrics: Metrics)
  {
    fedAvg.aggregateEvaluate(serverRound: serverRound, results: results, failures: failures)
  }

  public mutating func evaluate(serverRound: Int, parameters: Parameters) async -> (
    loss: Double, metrics: Metrics
  )? {
    await fedAvg.evaluate(serverRound: serverRound, parameters: parameters)
  }
}

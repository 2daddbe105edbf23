import PollenCore

/// Federated averaging with server momentum (Hsu et al. 2019), as Flower's `FedAvgM`: the FedAvg
/// average gives a pseudo-gradient `g = w − average`; with momentum `β`, `v ← β v + g` and
/// `w ← w − η v` (``Aggregation/momentumStep(weights:average:velocity:learningRate:momentum:)``).
/// With `η = 1` and `β = 0` it is FedAvg.
///
/// The strategy keeps the server model `w` (Flower keeps it in `initial_parameters`), starting
/// from `fedAvg.initialParameters`. Flower then requires initial parameters; Pollen instead takes
/// the global parameters of the first ``configureFit(serverRound:parameters:clientManager:)``
/// when there are none. Flower starts the momentum in round 1 and asserts it exists later; Pollen
/// starts it at the first aggregated round.
///
/// Results are folded in as they arrive (memory stays one model).
///
/// Memory: O(model) for any number of clients K (FedAvg's running sum, the server model and the
/// momentum).
public struct FedAvgM: FedAvgBased {
  /// Sampling, instructions, evaluation and the common options (Flower's `FedAvg` defaults).
  public var fedAvg: FedAvg
  /// Server learning rate `η` (Flower's `server_learning_rate`, default 1.0).
  public var serverLearningRate: Double
  /// Server momentum `β` (Flower's `server_momentum`, default 0.0).
  public var serverMomentum: Double
  /// The server model the next step starts from.
  public internal(set) var serverModel: [NDArray]?
  /// The momentum vector `v` (Flower's `momentum_vector`).
  public internal(set) var momentumVector: [NDArray]?

  /// FedAvgM around `fedAvg`, whose `initialParameters` start the server model.
  public init(fedAvg: FedAvg = FedAvg(), serverLearningRate: Double = 1.0, serverMomentum: Double = 0.0) {
    self.fedAvg = fedAvg
    self.fedAvg.inplace = false  // Flower's FedAvgM averages with `aggregate` (fedavgm.py).
    self.serverLearningRate = serverLearningRate
    self.serverMomentum = serverMomentum
    self.serverModel = fedAvg.initialParameters?.tensors
  }

  /// Whether the server step differs from plain FedAvg (Flower's `server_opt`).
  public var usesServerOptimizer: Bool { serverMomentum != 0 || serverLearningRate != 1 }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  )
    async -> [FitInstruction]
  {
    if serverModel == nil { serverModel = parameters.tensors }
    return await fedAvg.configureFit(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    fedAvg.accumulateFit(serverRound: serverRound, result: result)
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    let (average, metrics) = fedAvg.aggregateFit(
      serverRound: serverRound, results: results, failures: failures)
    guard let average, usesServerOptimizer else { return (average, metrics) }
    guard let model = serverModel else {
      fedAvg.logger.error(
        "FedAvgM: server-side optimisation needs initial parameters; round \(serverRound) skipped")
      return (nil, [:])
    }
    do {
      let step = try Aggregation.momentumStep(
        weights: model, average: average.tensors, velocity: momentumVector,
        learningRate: serverLearningRate, momentum: serverMomentum)
      serverModel = step.weights
      momentumVector = step.velocity
      return (Parameters(tensors: step.weights), metrics)
    } catch {
      fedAvg.logger.error("FedAvgM round \(serverRound): cannot aggregate: \(error)")
      return (nil, [:])
    }
  }
}

import PollenCore

/// The shared part of the FedOpt strategies (Reddi et al. 2021, "Adaptive Federated
/// Optimization"; Flower's `FedOpt` base class): hyperparameters and the server-optimiser state,
/// with the update itself a pure function (``Aggregation/adaptiveStep(rule:_:serverRound:weights:average:m:v:)``).
///
/// ``FedAdagrad``, ``FedAdam`` and ``FedYogi`` hold one, next to their inner ``FedAvg``.
public struct FedOpt: Sendable {
  /// Which second-moment rule the step uses.
  public var rule: Aggregation.AdaptiveRule
  /// Server learning rate `η` (Flower's `eta`).
  public var eta: Double
  /// Client learning rate `η_l` (Flower's `eta_l`). Flower stores it but neither uses it nor sends
  /// it to clients; neither does Pollen. Configure clients with `onFitConfig`.
  public var etaL: Double
  /// First-moment decay `β₁` (Flower's `beta_1`).
  public var beta1: Double
  /// Second-moment decay `β₂` (Flower's `beta_2`).
  public var beta2: Double
  /// Degree of adaptivity `τ`, added to `√v` (Flower's `tau`).
  public var tau: Double
  /// The server model `x_t` (Flower's `current_weights`).
  public internal(set) var currentWeights: [NDArray]?
  /// The first moment `m_t`.
  public internal(set) var m: [NDArray]?
  /// The second moment `v_t`.
  public internal(set) var v: [NDArray]?

  /// A FedOpt optimiser with `rule`, its hyperparameters, and the server model to start from
  /// (`nil`: the first global model seen).
  public init(
    rule: Aggregation.AdaptiveRule, eta: Double, etaL: Double, beta1: Double, beta2: Double, tau: Double,
    initialWeights: [NDArray]?
  ) {
    self.rule = rule
    self.eta = eta
    self.etaL = etaL
    self.beta1 = beta1
    self.beta2 = beta2
    self.tau = tau
    self.currentWeights = initialWeights
  }

  /// Sets the server model if there is none yet.
  public mutating func seed(_ weights: [NDArray]) {
    if currentWeights == nil { currentWeights = weights }
  }

  /// One server step from the round's FedAvg average; returns the new server model.
  ///
  /// - Throws: `PollenError` `.invalidArgument` without a server model, `.shapeMismatch` when
  ///   the average's layers differ from it.
  public mutating func step(average: [NDArray], serverRound: Int) throws -> [NDArray] {
    guard let weights = currentWeights else {
      throw PollenError(.invalidArgument, "FedOpt needs initial parameters")
    }
    let h = Aggregation.AdaptiveHyperparameters(eta: eta, beta1: beta1, beta2: beta2, tau: tau)
    let next = try Aggregation.adaptiveStep(
      rule: rule, h, serverRound: serverRound, weights: weights, average: average, m: m, v: v)
    (currentWeights, m, v) = (next.weights, next.m, next.v)
    return next.weights
  }
}

/// A strategy made of an inner ``FedAvg`` and a ``FedOpt`` server optimiser: the FedAvg average
/// of each round feeds one adaptive step. Results are folded in as they arrive.
///
/// Flower requires `initial_parameters` for these strategies; Pollen takes the global parameters
/// of the first `configureFit(serverRound:parameters:clientManager:)` when there are none.
public protocol FedOptBased: FedAvgBased {
  /// The server optimiser's hyperparameters and state.
  var fedOpt: FedOpt { get set }
}

extension FedOptBased {
  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  )
    async -> [FitInstruction]
  {
    fedOpt.seed(parameters.tensors)
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
    guard let average else { return (nil, [:]) }
    do {
      return (
        Parameters(tensors: try fedOpt.step(average: average.tensors, serverRound: serverRound)), metrics
      )
    } catch {
      fedAvg.logger.error("FedOpt (\(fedOpt.rule.rawValue)) round \(serverRound): \(error)")
      return (nil, [:])
    }
  }
}

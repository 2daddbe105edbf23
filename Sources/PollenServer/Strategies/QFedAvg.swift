import PollenCore

/// q-Fair Federated Averaging (Li et al. 2019, "Fair Resource Allocation in Federated
/// Learning"), as Flower's `QFedAvg`: clients with higher loss get more weight, by the fairness
/// parameter `q` (``QFFLSum`` has the update).
///
/// The loss `Fₖ` used for client `k` comes from ``lossSource``:
/// - ``LossSource/server`` (Flower's behaviour, the default): one loss for every client, the
///   server's centralised evaluation (`fedAvg.evaluateFn`) of the round's global model. Flower
///   calls it inside `aggregate_fit`; Pollen calls it in
///   ``configureFit(serverRound:parameters:clientManager:)`` with the same round and parameters
///   (so results can be folded in as they arrive). Without an `evaluateFn`, Flower raises and
///   the run stops; Pollen logs an error and keeps the old model.
/// - ``LossSource/clientMetrics`` (the paper's q-FedAvg): each client's own loss `Fₖ(wᵗ)` of the
///   global model on its data, before local training, reported in its fit metrics under
///   ``clientLossKey`` (`"loss"`). A result without it is left out, with a warning.
///
/// Results are folded in as they arrive (memory stays one model).
///
/// Memory: O(model) for any number of clients K (the round's global model and the running q-FFL
/// sums). A result without a usable loss is kept whole until ``aggregateFit(serverRound:results:failures:)``.
public struct QFedAvg: FedAvgBased {
  /// Where each client's loss comes from.
  public enum LossSource: String, Sendable, CaseIterable {
    /// The server's centralised evaluation of the global model, for every client (Flower).
    case server
    /// Each client's own loss from its fit metrics (the q-FFL paper).
    case clientMetrics = "client_metrics"
  }

  /// Sampling, instructions, evaluation and the common options. Flower's defaults here are 1
  /// minimum fit, evaluate and available client (not FedAvg's 2).
  public var fedAvg: FedAvg
  /// The fairness parameter `q` (Flower's `q_param`, default 0.2); 0 weighs clients equally.
  public var qParam: Double
  /// The clients' learning rate; `L = 1 / qfflLearningRate` (Flower's `qffl_learning_rate`,
  /// default 0.1).
  public var qfflLearningRate: Double
  /// Where each client's loss comes from (default ``LossSource/server``, as Flower).
  public var lossSource: LossSource
  /// The fit-metrics key of a client's loss in ``LossSource/clientMetrics`` mode.
  public var clientLossKey: String
  /// The global model of the current round (Flower's `pre_weights`).
  public private(set) var preWeights: [NDArray]?
  /// The server-side loss of the current round's global model, in ``LossSource/server`` mode.
  public private(set) var serverLoss: Double?
  private var running: QFFLSum?
  private var runningRound = -1

  /// Flower's common defaults for this strategy: 1 minimum fit, evaluate and available client.
  public static let defaultFedAvg = FedAvg(minFitClients: 1, minEvaluateClients: 1, minAvailableClients: 1)

  /// QFedAvg around `fedAvg` with Flower's defaults, taking losses from `lossSource`.
  public init(
    fedAvg: FedAvg = QFedAvg.defaultFedAvg, qParam: Double = 0.2, qfflLearningRate: Double = 0.1,
    lossSource: LossSource = .server, clientLossKey: String = "loss"
  ) {
    self.fedAvg = fedAvg
    self.qParam = qParam
    self.qfflLearningRate = qfflLearningRate
    self.lossSource = lossSource
    self.clientLossKey = clientLossKey
  }

  /// Records the round's global model and, in server mode, evaluates it (called by
  /// ``configureFit(serverRound:parameters:clientManager:)``).
  public mutating func beginRound(serverRound: Int, parameters: Parameters) async {
    preWeights = parameters.tensors
    running = nil
    runningRound = -1
    serverLoss = nil
    if lossSource == .server {
      serverLoss = await fedAvg.evaluate(serverRound: serverRound, parameters: parameters)?.loss
    }
  }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  )
    async -> [FitInstruction]
  {
    await beginRound(serverRound: serverRound, parameters: parameters)
    return await fedAvg.configureFit(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }

  /// The loss used for `result`'s client, or `nil` when it is unknown.
  public func loss(for result: FitResult) -> Double? {
    switch lossSource {
    case .server: return serverLoss
    case .clientMetrics: return result.res.metrics[clientLossKey]?.doubleValue
    }
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    guard let preWeights, let loss = loss(for: result) else { return false }
    if runningRound != serverRound || running == nil {
      running = QFFLSum(reference: preWeights, q: qParam, learningRate: qfflLearningRate)
      runningRound = serverRound
    }
    do {
      try running!.add(result.res.parameters.tensors, loss: loss)
      return true
    } catch {
      return false  // aggregateFit meets it again and reports it
    }
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    let folded = runningRound == serverRound ? running : nil
    (running, runningRound) = (nil, -1)
    guard fedAvg.shouldAggregate(results: results, failures: failures) else { return (nil, [:]) }
    guard let preWeights else {
      fedAvg.logger.error("QFedAvg round \(serverRound): no global model recorded (configureFit not called)")
      return (nil, [:])
    }
    if lossSource == .server && serverLoss == nil {
      fedAvg.logger.error(
        "QFedAvg round \(serverRound): server loss mode needs an evaluateFn that returns a loss")
      return (nil, [:])
    }
    var sum = folded ?? QFFLSum(reference: preWeights, q: qParam, learningRate: qfflLearningRate)
    for r in results where !r.res.parameters.tensors.isEmpty {
      guard let loss = loss(for: r) else {
        fedAvg.logger.warning(
          "QFedAvg round \(serverRound): client \(r.client.cid) sent no '\(clientLossKey)' metric; left out")
        continue
      }
      do {
        try sum.add(r.res.parameters.tensors, loss: loss)
      } catch {
        fedAvg.logger.error("QFedAvg round \(serverRound): client \(r.client.cid): \(error); left out")
      }
    }
    guard let aggregated = sum.result() else { return (nil, [:]) }
    return (
      Parameters(tensors: aggregated), fedAvg.aggregateFitMetrics(serverRound: serverRound, results: results)
    )
  }
}

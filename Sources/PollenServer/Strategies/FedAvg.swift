import Logging
import PollenCore

/// A centralised evaluation function: `(round, parameters, config) -> (loss, metrics)?`.
public typealias EvaluateFunction =
  @Sendable (Int, [NDArray], Config) async -> (loss: Double, metrics: Metrics)?
/// Produces the config of a round's instructions from the round number.
public typealias RoundConfigFunction = @Sendable (Int) -> Config
/// Aggregates clients' metrics, given as `(numExamples, metrics)` pairs.
public typealias MetricsAggregationFunction = @Sendable ([(numExamples: Int, metrics: Metrics)]) -> Metrics

/// Federated Averaging (McMahan et al. 2017), with Flower 1.41's options and defaults.
///
/// The new global model is the average of the clients' models weighted by their example counts.
/// Results are folded in as they arrive (``accumulateFit(serverRound:result:)``), so memory stays
/// one model however many clients report.
///
/// Updates may have other dtypes than the global model (an int64 model trained to float64 by its
/// clients); the average has the dtypes and values Flower's FedAvg gives on the same results in
/// the same order (``inplace``, ``WeightedSum``).
///
/// Memory: O(model) for any number of clients K (one running sum).
public struct FedAvg: Strategy {
  /// Fraction of available clients sampled for training.
  public var fractionFit: Double = 1.0
  /// Fraction of available clients sampled for evaluation; 0 disables federated evaluation.
  public var fractionEvaluate: Double = 1.0
  /// Minimum number of clients sampled for training.
  public var minFitClients: Int = 2
  /// Minimum number of clients sampled for evaluation.
  public var minEvaluateClients: Int = 2
  /// Minimum number of connected clients before a round starts.
  public var minAvailableClients: Int = 2
  /// Centralised evaluation of the global model on the server.
  public var evaluateFn: EvaluateFunction?
  /// Config for each round's `FitIns`.
  public var onFitConfig: RoundConfigFunction?
  /// Config for each round's `EvaluateIns`.
  public var onEvaluateConfig: RoundConfigFunction?
  /// Aggregate when some clients failed (otherwise a round with failures keeps the old model).
  public var acceptFailures: Bool = true
  /// The initial global parameters; `nil` asks one client.
  public var initialParameters: Parameters?
  /// Aggregates the clients' fit metrics.
  public var fitMetricsAggregation: MetricsAggregationFunction?
  /// Aggregates the clients' evaluate metrics.
  public var evaluateMetricsAggregation: MetricsAggregationFunction?
  /// Flower's `inplace` (default `true`): average with `aggregate_inplace`, whose result takes
  /// each layer's dtype from the first result, or (`false`) with `aggregate`, numpy's type
  /// promotion. ``WeightedSum`` documents both rules. Set it before a round starts.
  public var inplace: Bool = true

  private var running = WeightedSum()

  /// The rule of this strategy's weighted average.
  private var rule: WeightedSum.Rule { inplace ? .inplace : .promoting }
  private var runningRound = -1
  private var warnedFit = false
  private var warnedEvaluate = false
  /// Where FedAvg logs (its one-time warnings about missing metric aggregation); default
  /// `Logger.pollen("pollen.fedavg")`, whose level `POLLEN_LOG_LEVEL` sets.
  public var logger: Logger

  public init(
    fractionFit: Double = 1.0, fractionEvaluate: Double = 1.0, minFitClients: Int = 2,
    minEvaluateClients: Int = 2, minAvailableClients: Int = 2, evaluateFn: EvaluateFunction? = nil,
    onFitConfig: RoundConfigFunction? = nil, onEvaluateConfig: RoundConfigFunction? = nil,
    acceptFailures: Bool = true, initialParameters: Parameters? = nil,
    fitMetricsAggregation: MetricsAggregationFunction? = nil,
    evaluateMetricsAggregation: MetricsAggregationFunction? = nil, logger: Logger = .pollen("pollen.fedavg")
  ) {
    self.logger = logger
    self.fractionFit = fractionFit
    self.fractionEvaluate = fractionEvaluate
    self.minFitClients = minFitClients
    self.minEvaluateClients = minEvaluateClients
    self.minAvailableClients = minAvailableClients
    self.evaluateFn = evaluateFn
    self.onFitConfig = onFitConfig
    self.onEvaluateConfig = onEvaluateConfig
    self.acceptFailures = acceptFailures
    self.initialParameters = initialParameters
    self.fitMetricsAggregation = fitMetricsAggregation
    self.evaluateMetricsAggregation = evaluateMetricsAggregation
  }

  /// Flower's `num_fit_clients`: `(max(Int(available × fractionFit), minFitClients), minAvailableClients)`.
  public func numFitClients(available: Int) -> (sampleSize: Int, minAvailable: Int) {
    (max(Int(Double(available) * fractionFit), minFitClients), minAvailableClients)
  }

  /// Flower's `num_evaluation_clients`.
  public func numEvaluationClients(available: Int) -> (sampleSize: Int, minAvailable: Int) {
    (max(Int(Double(available) * fractionEvaluate), minEvaluateClients), minAvailableClients)
  }

  public mutating func initializeParameters(clientManager: any ClientManager) async -> Parameters? {
    let p = initialParameters
    initialParameters = nil  // Free the memory, as Flower does.
    return p
  }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  )
    async -> [FitInstruction]
  {
    let ins = FitIns(parameters: parameters, config: onFitConfig?(serverRound) ?? [:])
    let (size, minimum) = numFitClients(available: await clientManager.numAvailable())
    return await clientManager.sample(numClients: size, minNumClients: minimum, criterion: nil).map {
      ($0, ins)
    }
  }

  public mutating func configureEvaluate(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  ) async -> [EvaluateInstruction] {
    guard fractionEvaluate > 0 else { return [] }
    let ins = EvaluateIns(parameters: parameters, config: onEvaluateConfig?(serverRound) ?? [:])
    let (size, minimum) = numEvaluationClients(available: await clientManager.numAvailable())
    return await clientManager.sample(numClients: size, minNumClients: minimum, criterion: nil).map {
      ($0, ins)
    }
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    if runningRound != serverRound {
      running = WeightedSum(rule: rule)
      runningRound = serverRound
    }
    running.add(result.res.parameters.tensors, weight: Double(result.res.numExamples))
    return true
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    var sum = runningRound == serverRound ? running : WeightedSum(rule: rule)
    running = WeightedSum()
    runningRound = -1
    guard !results.isEmpty, acceptFailures || failures.isEmpty else { return (nil, [:]) }
    // Results the server did not hand over incrementally still carry their tensors.
    for r in results where !r.res.parameters.tensors.isEmpty {
      sum.add(r.res.parameters.tensors, weight: Double(r.res.numExamples))
    }
    guard sum.count > 0 else { return (nil, [:]) }
    return (
      Parameters(tensors: sum.average()), aggregateFitMetrics(serverRound: serverRound, results: results)
    )
  }

  /// Flower's guard before aggregating: some results, and no failures unless ``acceptFailures``.
  public func shouldAggregate(results: [FitResult], failures: [ClientFailure]) -> Bool {
    !results.isEmpty && (acceptFailures || failures.isEmpty)
  }

  /// The clients' fit metrics aggregated by ``fitMetricsAggregation`` (empty without one; the
  /// missing function is logged once, in round 1, as Flower does).
  public mutating func aggregateFitMetrics(serverRound: Int, results: [FitResult]) -> Metrics {
    if let fitMetricsAggregation {
      return fitMetricsAggregation(results.map { ($0.res.numExamples, $0.res.metrics) })
    }
    if serverRound == 1 && !warnedFit {
      warnedFit = true
      logger.warning("No fit_metrics_aggregation_fn provided")
    }
    return [:]
  }

  /// Drops the running sum of a round that will not be aggregated.
  mutating func discardRunningSum() {
    running = WeightedSum()
    runningRound = -1
  }

  public mutating func aggregateEvaluate(
    serverRound: Int, results: [EvaluateResult], failures: [ClientFailure]
  )
    -> (loss: Double?, metrics: Metrics)
  {
    guard !results.isEmpty, acceptFailures || failures.isEmpty else { return (nil, [:]) }
    let loss = Aggregation.weightedLossAverage(results.map { ($0.res.numExamples, $0.res.loss) })
    var metrics: Metrics = [:]
    if let evaluateMetricsAggregation {
      metrics = evaluateMetricsAggregation(results.map { ($0.res.numExamples, $0.res.metrics) })
    } else if serverRound == 1 && !warnedEvaluate {
      warnedEvaluate = true
      logger.warning("No evaluate_metrics_aggregation_fn provided")
    }
    return (loss, metrics)
  }

  public mutating func evaluate(serverRound: Int, parameters: Parameters) async -> (
    loss: Double, metrics: Metrics
  )? {
    guard let evaluateFn else { return nil }
    return await evaluateFn(serverRound, parameters.tensors, [:])
  }
}

import PollenCore

/// The settings every FedAvg-based strategy shares (the inner ``FedAvg``'s), as the CLI collects
/// them. `nil` keeps the chosen strategy's own default (QFedAvg and FaultTolerantFedAvg default to
/// 1 minimum client where FedAvg has 2).
public struct StrategySettings: Sendable {
  /// Fraction of available clients sampled for training.
  public var fractionFit: Double?
  /// Fraction of available clients sampled for evaluation; 0 disables federated evaluation.
  public var fractionEvaluate: Double?
  /// Minimum number of clients sampled for training.
  public var minFitClients: Int?
  /// Minimum number of clients sampled for evaluation.
  public var minEvaluateClients: Int?
  /// Minimum number of connected clients before a round starts.
  public var minAvailableClients: Int?
  /// Aggregate rounds in which some clients failed.
  public var acceptFailures: Bool?
  /// The initial global parameters; `nil` asks one client.
  public var initialParameters: Parameters?
  /// Centralised evaluation of the global model on the server.
  public var evaluateFn: EvaluateFunction?
  /// Config for each round's `FitIns`.
  public var onFitConfig: RoundConfigFunction?
  /// Config for each round's `EvaluateIns`.
  public var onEvaluateConfig: RoundConfigFunction?
  /// Aggregates the clients' fit metrics.
  public var fitMetricsAggregation: MetricsAggregationFunction?
  /// Aggregates the clients' evaluate metrics.
  public var evaluateMetricsAggregation: MetricsAggregationFunction?

  /// Settings with the given values; every `nil` keeps the strategy's default.
  public init(
    fractionFit: Double? = nil, fractionEvaluate: Double? = nil, minFitClients: Int? = nil,
    minEvaluateClients: Int? = nil, minAvailableClients: Int? = nil, acceptFailures: Bool? = nil,
    initialParameters: Parameters? = nil, evaluateFn: EvaluateFunction? = nil,
    onFitConfig: RoundConfigFunction? = nil, onEvaluateConfig: RoundConfigFunction? = nil,
    fitMetricsAggregation: MetricsAggregationFunction? = nil,
    evaluateMetricsAggregation: MetricsAggregationFunction? = nil
  ) {
    self.fractionFit = fractionFit
    self.fractionEvaluate = fractionEvaluate
    self.minFitClients = minFitClients
    self.minEvaluateClients = minEvaluateClients
    self.minAvailableClients = minAvailableClients
    self.acceptFailures = acceptFailures
    self.initialParameters = initialParameters
    self.evaluateFn = evaluateFn
    self.onFitConfig = onFitConfig
    self.onEvaluateConfig = onEvaluateConfig
    self.fitMetricsAggregation = fitMetricsAggregation
    self.evaluateMetricsAggregation = evaluateMetricsAggregation
  }

  /// `base` with every setting that is not `nil` applied.
  public func applied(to base: FedAvg) -> FedAvg {
    var s = base
    if let fractionFit { s.fractionFit = fractionFit }
    if let fractionEvaluate { s.fractionEvaluate = fractionEvaluate }
    if let minFitClients { s.minFitClients = minFitClients }
    if let minEvaluateClients { s.minEvaluateClients = minEvaluateClients }
    if let minAvailableClients { s.minAvailableClients = minAvailableClients }
    if let acceptFailures { s.acceptFailures = acceptFailures }
    if let initialParameters { s.initialParameters = initialParameters }
    if let evaluateFn { s.evaluateFn = evaluateFn }
    if let onFitConfig { s.onFitConfig = onFitConfig }
    if let onEvaluateConfig { s.onEvaluateConfig = onEvaluateConfig }
    if let fitMetricsAggregation { s.fitMetricsAggregation = fitMetricsAggregation }
    if let evaluateMetricsAggregation { s.evaluateMetricsAggregation = evaluateMetricsAggregation }
    return s
  }
}

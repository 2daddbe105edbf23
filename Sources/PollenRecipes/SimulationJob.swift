import Logging
import PollenCore
import PollenData
import PollenNN
import PollenPrivacy
import PollenServer
import PollenSimulation

/// A complete simulated federated learning run — data, partitions, model, strategy — the job
/// behind `pollen simulate`.
public struct SimulationJob: Sendable {
  /// Everything that defines a run. Two runs with equal options give identical histories.
  public struct Options: Sendable {
    public var dataset: DatasetSpec = .digits
    public var clients = 100
    public var rounds = 30
    public var strategy = "fedavg"
    public var strategyOptions: [String: String] = [:]
    public var fractionFit = 0.1
    /// Fraction of clients evaluated each round; `nil` is FedAvg's (and Flower's) default, 1.0 —
    /// as in the library and `pollen server`.
    public var fractionEvaluate: Double?
    /// ``fractionEvaluate``'s default: `FedAvg().fractionEvaluate` (1.0).
    public static let defaultFractionEvaluate = FedAvg().fractionEvaluate
    public var partition: PartitionSpec = .dirichlet(alpha: 0.5, minPartitionSize: 2)
    public var model: ModelSpec = .mlp
    public var localEpochs = 5
    public var batchSize = 8
    public var learningRate = 0.2
    public var seed: UInt64 = 0
    public var concurrency = SimulationConfig.defaultConcurrency
    /// Share of a centralised data set held out for the server's evaluation.
    public var testFraction = 0.2
    /// Share of each client's data held out for its own evaluation.
    public var clientTestFraction = 0.1
    public var dropoutProbability = 0.0
    public var serializeMessages = false
    /// Client device and network profiles; with them the history records each round's
    /// simulated duration (`simulated_time`). `nil`: no virtual clock.
    public var profiles: ClientProfiles?
    /// Per-client compute cut-off `τ` in simulated seconds (needs ``profiles``).
    public var cutoff: Double?
    /// A compute time limit `Δ` in simulated seconds sent to every fit call as config `timeout`
    /// (needs ``profiles``); FedFS sends its own.
    public var fitTimeout: Double?
    /// Whether a fit call that runs out of time returns its partial work (`true`) or is
    /// discarded (`false`: FedAvg with timeout, as in the Flower paper); see
    /// `SimulationConfig/partialWork`.
    public var partialWork = true
    /// Share of clients that send poisoned updates (0 = none), and how (see `Attack`).
    public var attackers = 0.0
    public var attack: Attack = .signFlip(scale: Attack.defaultSignFlipScale)
    /// Probability that a sampled client straggles in a round (see `Stragglers`), and what a
    /// straggler does.
    public var stragglers = 0.0
    public var stragglerMode: Stragglers.Mode = .partialWork
    /// Differential privacy (`--dp …`): the server's wrappers, the clients' middleware and the
    /// accountant; `nil`: none.
    public var privacy: PrivacyPlan?
    /// SecAgg+ secure aggregation (`--secagg`): the server's workflow and every client's
    /// `SecAggPlusClient` middleware; `nil`: none.
    public var secureAggregation: SecAggPlusConfig?

    public init() {}

    /// The default run of `pollen simulate`.
    public static var defaults: Options { Options() }

    /// The settings as `(key, value)` pairs, in a fixed order (for config.json and reports).
    public var settings: [(key: String, value: String)] {
      let options = strategyOptions.keys.sorted().map { "\($0)=\(strategyOptions[$0]!)" }
      var s: [(key: String, value: String)] = [
        ("dataset", dataset.description), ("clients", "\(clients)"), ("rounds", "\(rounds)"),
        ("strategy", strategy), ("strategy_options", options.joined(separator: ",")),
        ("fraction_fit", "\(fractionFit)"),
        ("fraction_evaluate", "\(fractionEvaluate ?? Self.defaultFractionEvaluate)"),
        ("partition", partition.description), ("model", model.description),
        ("local_epochs", "\(localEpochs)"), ("batch_size", "\(batchSize)"), ("lr", "\(learningRate)"),
        ("seed", "\(seed)"), ("concurrency", "\(concurrency)"), ("test_fraction", "\(testFraction)"),
        ("client_test_fraction", "\(clientTestFraction)"), ("dropout", "\(dropoutProbability)"),
        ("serialize_messages", "\(serializeMessages)"),
      ]
      if let profiles { s.append(("profiles", "\(profiles.count) rows")) }
      if let cutoff { s.append(("cutoff", "\(cutoff)")) }
      if let fitTimeout { s.append(("fit_timeout", "\(fitTimeout)")) }
      if !partialWork { s.append(("partial_work", "false")) }
      if attackers > 0 {
        s.append(("attackers", "\(attackers)"))
        s.append(("attack", attack.description))
      }
      if stragglers > 0 {
        s.append(("stragglers", "\(stragglers)"))
        s.append(("straggler_mode", stragglerMode.rawValue))
      }
      if let privacy { s += privacy.settings }
      if let secureAggregation { s += secureAggregation.settings }
      return s
    }
  }

  /// What a run produced.
  public struct Outcome: Sendable {
    public var history: History
    public var parameters: Parameters
    /// Wall-clock time of the rounds (data preparation excluded).
    public var duration: Duration
  }

  public var options: Options
  public var logger: Logger
  /// Builds the strategy from its name, its `key=value` options and the job's common settings
  /// (by default `StrategyFactory`; replace to add strategies of your own).
  public var makeStrategy: @Sendable (String, [String: String], StrategySettings) throws -> any Strategy = {
    name, options, settings in
    try StrategyFactory.make(name, options: options, settings: settings)
  }

  public init(options: Options, logger: Logger = .pollen("pollen.simulate")) {
    self.options = options
    self.logger = logger
  }

  /// Evaluates the global model on the server's test set: loss and `accuracy`.
  static func centralEvaluation(model: Sequential, test: Dataset) -> EvaluateFunction {
    { _, arrays, _ in
      var m = model
      do {
        try m.setParameters(arrays)
        let (loss, accuracy) = try m.evaluate(on: test, loss: .softmaxCrossEntropy)
        return (loss, ["accuracy": .double(accuracy)])
      } catch {
        return nil
      }
    }
  }

  /// Prepares the data and runs the simulation. `onRoundEnd` sees each round's history.
  public func run(
    resumingFrom checkpoint: RunCheckpoint? = nil, recorder: (any RunRecorder)? = nil,
    onRoundEnd: (@Sendable (Int, History) -> Void)? = nil
  ) async throws -> Outcome {
    let o = options
    guard o.clients > 0, o.rounds >= 0, o.fractionFit > 0, o.fractionFit <= 1 else {
      throw PollenError(.invalidArgument, "need clients > 0, rounds ≥ 0 and 0 < fraction-fit ≤ 1")
    }
    for (name, limit) in [("cutoff", o.cutoff), ("fit timeout", o.fitTimeout)] {
      guard let limit else { continue }
      guard o.profiles != nil, limit.isFinite, limit >= 0 else {
        throw PollenError(
          .invalidArgument, "\(name) needs profiles and must be a non-negative number of seconds")
      }
    }
    let population = try ClientPopulation(options: o)
    let model = try o.model.make(
      inputShape: population.featureShape, classes: population.numClasses, seed: o.seed)
    let training = TrainingSettings(
      epochs: o.localEpochs, learningRate: Float(o.learningRate), batchSize: o.batchSize, seed: o.seed)
    let test = population.testSet
    let sampleSize = max(1, Int(Double(o.clients) * o.fractionFit))
    let evalSize = max(1, Int(Double(o.clients) * (o.fractionEvaluate ?? Options.defaultFractionEvaluate)))
    let settings = StrategySettings(
      fractionFit: o.fractionFit, fractionEvaluate: o.fractionEvaluate ?? Options.defaultFractionEvaluate,
      minFitClients: min(sampleSize, 2), minEvaluateClients: min(evalSize, 2),
      minAvailableClients: min(o.clients, 2),
      initialParameters: Parameters(tensors: model.parameterArrays()),
      evaluateFn: Self.centralEvaluation(model: model, test: test),
      onFitConfig: { round in
        var config: Config = [
          "server_round": .int(Int64(round)), "local_epochs": .int(Int64(o.localEpochs)),
          "batch_size": .int(Int64(o.batchSize)), "lr": .double(o.learningRate),
        ]
        if let timeout = o.fitTimeout { config[SimulationConfig.timeoutConfigKey] = .double(timeout) }
        return config
      },
      onEvaluateConfig: { round in ["server_round": .int(Int64(round))] },
      fitMetricsAggregation: Aggregation.weightedMetricAverage("loss"),
      evaluateMetricsAggregation: Aggregation.weightedMetricAverage("accuracy"))
    var strategy = try makeStrategy(o.strategy, o.strategyOptions, settings)
    var privateClient: @Sendable (any Client, Int) -> any Client = { client, _ in client }
    if let plan = o.privacy, o.secureAggregation != nil { try plan.checkCompatibleWithSecureAggregation() }
    if let plan = o.privacy {
      strategy = try plan.wrap(
        strategy, sampledPerRound: sampleSize, samplingRate: Double(sampleSize) / Double(o.clients))
      privateClient = try plan.clientMiddleware()
    }
    var config = SimulationConfig(
      numClients: o.clients, concurrency: o.concurrency, seed: o.seed, serializeMessages: o.serializeMessages,
      dropoutProbability: o.dropoutProbability, profiles: o.profiles, cutoff: o.cutoff,
      partialWork: o.partialWork)
    // SecAgg+ middleware goes outermost: attacks, stragglers and DP act on the update it masks.
    let secureClient: @Sendable (any Client, Int) -> any Client
    if let secure = o.secureAggregation {
      config.secureAggregation = try SecAggPlusWorkflow(secure)
      let sessions = SecAggPlusClientSessions()
      secureClient = { client, id in SecAggPlusClient(client, session: sessions.session(for: "\(id)")) }
    } else {
      secureClient = { client, _ in client }
    }
    let middleware = privateClient
    let attackers = try Attackers(
      fraction: o.attackers, attack: o.attack, numClients: o.clients, seed: o.seed)
    let stragglers = try Stragglers(fraction: o.stragglers, mode: o.stragglerMode, seed: o.seed)
    let simulation = Simulation(config: config, logger: logger) { id in
      let (train, held) = population.clientData(id)
      var s = training
      s.seed = o.seed &+ UInt64(id)
      let client = TrainingClient(model: model, trainData: train, testData: held, settings: s).asClient()
      return secureClient(stragglers.wrap(attackers.wrap(middleware(client, id), id: id), id: id), id)
    }
    logger.info(
      "simulating \(o.clients) clients (\(sampleSize) per round) for \(o.rounds) rounds: \(o.dataset), \(o.partition), \(o.model) with \(model.parameterCount) parameters, \(o.strategy)"
    )
    let clock = ContinuousClock()
    let start = clock.now
    let (history, parameters) = try await simulation.run(
      strategy: strategy, rounds: o.rounds, resumingFrom: checkpoint, recorder: recorder,
      onRoundEnd: onRoundEnd)
    return Outcome(history: history, parameters: parameters, duration: clock.now - start)
  }
}

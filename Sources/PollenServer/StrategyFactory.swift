import PollenCore

/// Builds strategies by name for the CLI: `--strategy fedprox --strategy-option proximal_mu=0.1`,
/// from one ``StrategyCatalogue`` (``catalogue``) of ``StrategyDescriptor``s.
///
/// Names are Flower's strategies in lower case (`-` and `_` are ignored: `fault-tolerant-fedavg`
/// works). Options use Flower's snake_case names; the common FedAvg options (`fraction_fit`,
/// `min_fit_clients`, …) are accepted too and override ``StrategySettings``. Unknown names or keys
/// and bad values throw `PollenError` `.invalidArgument` listing the valid ones.
public enum StrategyFactory {
  /// The strategy names, as the CLI lists them.
  public static var names: [String] { catalogue.names }

  /// The options every strategy accepts (the inner FedAvg's; FaultTolerantFedAvg always accepts
  /// failures, so not `accept_failures`).
  public static let commonOptionKeys = [
    "fraction_fit", "fraction_evaluate", "min_fit_clients", "min_evaluate_clients", "min_available_clients",
    "accept_failures",
  ]

  /// The strategy-specific options of `name`.
  public static func specificOptionKeys(for name: String) throws -> [String] {
    try catalogue.descriptor(name).specificOptionKeys
  }

  /// Every option `name` accepts.
  public static func optionKeys(for name: String) throws -> [String] { try catalogue.optionKeys(for: name) }

  /// `name` in the form of ``names``; throws for an unknown name.
  public static func canonicalName(_ name: String) throws -> String { try catalogue.descriptor(name).name }

  /// The strategy `name` with `options` applied on top of `settings` and the strategy's defaults.
  public static func make(
    _ name: String, options: [String: String] = [:], settings: StrategySettings = StrategySettings()
  ) throws -> any Strategy {
    try catalogue.make(name, options: options, settings: settings)
  }

  /// Flower's strategies, one descriptor each.
  public static let catalogue = StrategyCatalogue([
    StrategyDescriptor("fedavg") { _, f in f },
    StrategyDescriptor("fedprox", options: ["proximal_mu"]) { o, f in
      guard o.has("proximal_mu") else {
        throw PollenError(
          .invalidArgument, "strategy fedprox needs the option proximal_mu (e.g. proximal_mu=0.1)")
      }
      return FedProx(fedAvg: f, proximalMu: try o.double("proximal_mu", 0, in: 0...Double.infinity))
    },
    StrategyDescriptor("fedavgm", options: ["server_learning_rate", "server_momentum"]) { o, f in
      let d = FedAvgM()
      return FedAvgM(
        fedAvg: f, serverLearningRate: try o.double("server_learning_rate", d.serverLearningRate),
        serverMomentum: try o.double("server_momentum", d.serverMomentum))
    },
    StrategyDescriptor("fedadagrad", options: ["eta", "eta_l", "tau"]) { o, f in
      let d = FedAdagrad().fedOpt
      return FedAdagrad(
        fedAvg: f, eta: try o.double("eta", d.eta), etaL: try o.double("eta_l", d.etaL),
        tau: try o.double("tau", d.tau))
    },
    StrategyDescriptor("fedadam", options: ["eta", "eta_l", "beta_1", "beta_2", "tau"]) { o, f in
      let d = FedAdam().fedOpt
      return FedAdam(
        fedAvg: f, eta: try o.double("eta", d.eta), etaL: try o.double("eta_l", d.etaL),
        beta1: try o.double("beta_1", d.beta1), beta2: try o.double("beta_2", d.beta2),
        tau: try o.double("tau", d.tau))
    },
    StrategyDescriptor("fedyogi", options: ["eta", "eta_l", "beta_1", "beta_2", "tau"]) { o, f in
      let d = FedYogi().fedOpt
      return FedYogi(
        fedAvg: f, eta: try o.double("eta", d.eta), etaL: try o.double("eta_l", d.etaL),
        beta1: try o.double("beta_1", d.beta1), beta2: try o.double("beta_2", d.beta2),
        tau: try o.double("tau", d.tau))
    },
    StrategyDescriptor("fedmedian") { _, f in FedMedian(fedAvg: f) },
    StrategyDescriptor("fedtrimmedavg", options: ["beta"]) { o, f in
      try FedTrimmedAvg(fedAvg: f, beta: try o.double("beta", try FedTrimmedAvg().beta))
    },
    StrategyDescriptor("krum", options: ["num_malicious_clients", "num_clients_to_keep"]) { o, f in
      Krum(
        fedAvg: f, numMaliciousClients: try o.int("num_malicious_clients", 0),
        numClientsToKeep: try o.int("num_clients_to_keep", 0))
    },
    StrategyDescriptor("multikrum", options: ["num_malicious_clients", "num_clients_to_keep"]) { o, f in
      let keep = try o.int("num_clients_to_keep", 0)
      guard keep >= 1 else {
        throw PollenError(.invalidArgument, "strategy multikrum needs num_clients_to_keep ≥ 1 (0 is krum)")
      }
      return Krum(
        fedAvg: f, numMaliciousClients: try o.int("num_malicious_clients", 0), numClientsToKeep: keep)
    },
    StrategyDescriptor("bulyan", options: ["num_malicious_clients", "to_keep"]) { o, f in
      guard try o.int("to_keep", 0) == 0 else {
        throw PollenError(
          .invalidArgument, "option to_keep of strategy bulyan must be 0 (Bulyan's first rule is Krum)")
      }
      return Bulyan(fedAvg: f, numMaliciousClients: try o.int("num_malicious_clients", 0))
    },
    StrategyDescriptor(
      "qfedavg", options: ["q_param", "qffl_learning_rate", "loss_source", "client_loss_key"],
      baseFedAvg: QFedAvg.defaultFedAvg
    ) { o, f in
      let d = QFedAvg()
      return QFedAvg(
        fedAvg: f, qParam: try o.double("q_param", d.qParam),
        qfflLearningRate: try o.double(
          "qffl_learning_rate", d.qfflLearningRate, in: Double.ulpOfOne...Double.infinity),
        lossSource: try o.choice("loss_source", d.lossSource),
        clientLossKey: o.values["client_loss_key"] ?? d.clientLossKey)
    },
    StrategyDescriptor(
      "faulttolerantfedavg", options: ["min_completion_rate_fit", "min_completion_rate_evaluate"],
      acceptsFailureOption: false, baseFedAvg: FaultTolerantFedAvg.defaultFedAvg
    ) { o, f in
      let d = FaultTolerantFedAvg()
      return FaultTolerantFedAvg(
        fedAvg: f,
        minCompletionRateFit: try o.double("min_completion_rate_fit", d.minCompletionRateFit, in: 0...1),
        minCompletionRateEvaluate: try o.double(
          "min_completion_rate_evaluate", d.minCompletionRateEvaluate, in: 0...1))
    },
    StrategyDescriptor(
      "fedfs", options: ["epsilon", "timeout_fast", "timeout_slow", "fast_rounds", "slow_rounds", "seed"]
    ) { o, f in
      guard o.has("timeout_fast") else {
        throw PollenError(
          .invalidArgument, "strategy fedfs needs the option timeout_fast (seconds, e.g. timeout_fast=5)")
      }
      let fast = try o.double("timeout_fast", 0, in: 0...Double.infinity)
      return FedFS(
        fedAvg: f, epsilon: try o.double("epsilon", 0.1, in: 0...Double.infinity), fastTimeout: fast,
        slowTimeout: try o.double("timeout_slow", fast, in: 0...Double.infinity),
        fastRounds: try o.int("fast_rounds", 1), slowRounds: try o.int("slow_rounds", 1),
        seed: UInt64(try o.int("seed", 0)))
    },
  ])

  /// The common FedAvg options among `o`, as settings.
  static func commonOptions(_ o: StrategyOptions) throws -> StrategySettings {
    var s = StrategySettings()
    if o.has("fraction_fit") { s.fractionFit = try o.double("fraction_fit", 1, in: 0...1) }
    if o.has("fraction_evaluate") { s.fractionEvaluate = try o.double("fraction_evaluate", 1, in: 0...1) }
    if o.has("min_fit_clients") { s.minFitClients = try o.int("min_fit_clients", 2) }
    if o.has("min_evaluate_clients") { s.minEvaluateClients = try o.int("min_evaluate_clients", 2) }
    if o.has("min_available_clients") { s.minAvailableClients = try o.int("min_available_clients", 2) }
    if o.has("accept_failures") { s.acceptFailures = try o.bool("accept_failures", true) }
    return s
  }
}

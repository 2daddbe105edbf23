import PollenCore

/// Builds strategies by name for the CLI: `--strategy fedprox --strategy-option proximal_mu=0.1`.
///
/// Names are Flower's strategies in lower case (`-` and `_` are ignored: `fault-tolerant-fedavg`
/// works). Options use Flower's snake_case names; the common FedAvg options (`fraction_fit`,
/// `min_fit_clients`, …) are accepted too and override ``StrategySettings``. Unknown names or keys
/// and bad values throw `PollenError` `.invalidArgument` listing the valid ones.
public enum StrategyFactory {
  /// The strategy names, as the CLI lists them.
  public static let names = [
    "fedavg", "fedprox", "fedavgm", "fedadagrad", "fedadam", "fedyogi", "fedmedian", "fedtrimmedavg", "krum",
    "multikrum", "bulyan", "qfedavg", "faulttolerantfedavg", "fedfs",
  ]

  /// The options every strategy accepts (the inner FedAvg's; FaultTolerantFedAvg always accepts
  /// failures, so not `accept_failures`).
  public static let commonOptionKeys = [
    "fraction_fit", "fraction_evaluate", "min_fit_clients", "min_evaluate_clients", "min_available_clients",
    "accept_failures",
  ]

  /// The strategy-specific options of `name`.
  public static func specificOptionKeys(for name: String) throws -> [String] {
    switch try canonicalName(name) {
    case "fedprox": return ["proximal_mu"]
    case "fedavgm": return ["server_learning_rate", "server_momentum"]
    case "fedadagrad": return ["eta", "eta_l", "tau"]
    case "fedadam", "fedyogi": return ["eta", "eta_l", "beta_1", "beta_2", "tau"]
    case "fedtrimmedavg": return ["beta"]
    case "krum", "multikrum": return ["num_malicious_clients", "num_clients_to_keep"]
    case "bulyan": return ["num_malicious_clients", "to_keep"]
    case "qfedavg": return ["q_param", "qffl_learning_rate", "loss_source", "client_loss_key"]
    case "faulttolerantfedavg": return ["min_completion_rate_fit", "min_completion_rate_evaluate"]
    case "fedfs": return ["epsilon", "timeout_fast", "timeout_slow", "fast_rounds", "slow_rounds", "seed"]
    default: return []
    }
  }

  /// Every option `name` accepts.
  public static func optionKeys(for name: String) throws -> [String] {
    let canonical = try canonicalName(name)
    let common =
      canonical == "faulttolerantfedavg"
      ? commonOptionKeys.filter { $0 != "accept_failures" } : commonOptionKeys
    return common + (try specificOptionKeys(for: canonical))
  }

  /// `name` in the form of ``names``; throws for an unknown name.
  public static func canonicalName(_ name: String) throws -> String {
    let canonical = String(name.lowercased().filter { $0 != "-" && $0 != "_" })
    guard names.contains(canonical) else {
      throw PollenError(
        .invalidArgument, "unknown strategy '\(name)'; valid strategies: \(names.joined(separator: ", "))")
    }
    return canonical
  }

  /// The strategy `name` with `options` applied on top of `settings` and the strategy's defaults.
  public static func make(
    _ name: String, options: [String: String] = [:], settings: StrategySettings = StrategySettings()
  ) throws -> any Strategy {
    let canonical = try canonicalName(name)
    let o = StrategyOptions(options, strategy: canonical)
    try o.check(valid: try optionKeys(for: canonical))
    let base =
      canonical == "qfedavg"
      ? QFedAvg.defaultFedAvg
      : canonical == "faulttolerantfedavg" ? FaultTolerantFedAvg.defaultFedAvg : FedAvg()
    let f = try commonOptions(o).applied(to: settings.applied(to: base))
    switch canonical {
    case "fedavg": return f
    case "fedprox":
      guard o.has("proximal_mu") else {
        throw PollenError(
          .invalidArgument, "strategy fedprox needs the option proximal_mu (e.g. proximal_mu=0.1)")
      }
      return FedProx(fedAvg: f, proximalMu: try o.double("proximal_mu", 0, in: 0...Double.infinity))
    case "fedavgm":
      let d = FedAvgM()
      return FedAvgM(
        fedAvg: f, serverLearningRate: try o.double("server_learning_rate", d.serverLearningRate),
        serverMomentum: try o.double("server_momentum", d.serverMomentum))
    case "fedadagrad":
      let d = FedAdagrad().fedOpt
      return FedAdagrad(
        fedAvg: f, eta: try o.double("eta", d.eta), etaL: try o.double("eta_l", d.etaL),
        tau: try o.double("tau", d.tau))
    case "fedadam":
      let d = FedAdam().fedOpt
      return FedAdam(
        fedAvg: f, eta: try o.double("eta", d.eta), etaL: try o.double("eta_l", d.etaL),
        beta1: try o.double("beta_1", d.beta1), beta2: try o.double("beta_2", d.beta2),
        tau: try o.double("tau", d.tau))
    case "fedyogi":
      let d = FedYogi().fedOpt
      return FedYogi(
        fedAvg: f, eta: try o.double("eta", d.eta), etaL: try o.double("eta_l", d.etaL),
        beta1: try o.double("beta_1", d.beta1), beta2: try o.double("beta_2", d.beta2),
        tau: try o.double("tau", d.tau))
    case "fedmedian": return FedMedian(fedAvg: f)
    case "fedtrimmedavg":
      return try FedTrimmedAvg(fedAvg: f, beta: try o.double("beta", try FedTrimmedAvg().beta))
    case "krum", "multikrum":
      let keep = try o.int("num_clients_to_keep", 0)
      if canonical == "multikrum" && keep < 1 {
        throw PollenError(.invalidArgument, "strategy multikrum needs num_clients_to_keep ≥ 1 (0 is krum)")
      }
      return Krum(
        fedAvg: f, numMaliciousClients: try o.int("num_malicious_clients", 0), numClientsToKeep: keep)
    case "bulyan":
      guard try o.int("to_keep", 0) == 0 else {
        throw PollenError(
          .invalidArgument, "option to_keep of strategy bulyan must be 0 (Bulyan's first rule is Krum)")
      }
      return Bulyan(fedAvg: f, numMaliciousClients: try o.int("num_malicious_clients", 0))
    case "qfedavg":
      let d = QFedAvg()
      return QFedAvg(
        fedAvg: f, qParam: try o.double("q_param", d.qParam),
        qfflLearningRate: try o.double(
          "qffl_learning_rate", d.qfflLearningRate, in: Double.ulpOfOne...Double.infinity),
        lossSource: try o.choice("loss_source", d.lossSource),
        clientLossKey: o.values["client_loss_key"] ?? d.clientLossKey)
    case "fedfs":
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
    default:  // faulttolerantfedavg
      let d = FaultTolerantFedAvg()
      return FaultTolerantFedAvg(
        fedAvg: f,
        minCompletionRateFit: try o.double("min_completion_rate_fit", d.minCompletionRateFit, in: 0...1),
        minCompletionRateEvaluate: try o.double(
          "min_completion_rate_evaluate", d.minCompletionRateEvaluate, in: 0...1))
    }
  }

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

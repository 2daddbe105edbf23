import Foundation
import PollenCore
import PollenPrivacy
import PollenServer
import Testing

/// Every strategy fixture computed by Flower 1.41, replayed through Pollen's strategy built from
/// the fixture's hyperparameters.
@Suite("Strategies match Flower 1.41")
struct StrategyParityTests {
  static let fixtures = [
    "fedprox", "fedavgm", "fedadagrad", "fedadam", "fedyogi", "fedmedian", "fedtrimmedavg", "krum",
    "multikrum",
    "bulyan", "fault-tolerant-fedavg-accepts", "fault-tolerant-fedavg-declines", "qfedavg",
    "dp-server-fixed-clipping-no-noise", "dp-server-adaptive-clipping-no-noise",
    "dp-server-adaptive-clipping-andrew", "dp-client-fixed-clipping-no-noise",
    "dp-client-adaptive-clipping-andrew",
  ]

  /// The strategy of fixture `name`, built with the typed API as generate.py builds Flower's.
  static func strategy(_ name: String, _ h: [String: Any], initial: Parameters) throws -> any Strategy {
    func d(_ key: String) -> Double { StrategyReplay.double(h[key]) }
    func i(_ key: String) -> Int { Int(StrategyReplay.double(h[key])) }
    let base = FedAvg(initialParameters: initial)
    switch name {
    case "fedprox": return FedProx(fedAvg: base, proximalMu: d("proximal_mu"))
    case "fedavgm":
      return FedAvgM(
        fedAvg: base, serverLearningRate: d("server_learning_rate"), serverMomentum: d("server_momentum"))
    case "fedadagrad": return FedAdagrad(fedAvg: base, eta: d("eta"), etaL: d("eta_l"), tau: d("tau"))
    case "fedadam":
      return FedAdam(
        fedAvg: base, eta: d("eta"), etaL: d("eta_l"), beta1: d("beta_1"), beta2: d("beta_2"), tau: d("tau"))
    case "fedyogi":
      return FedYogi(
        fedAvg: base, eta: d("eta"), etaL: d("eta_l"), beta1: d("beta_1"), beta2: d("beta_2"), tau: d("tau"))
    case "fedmedian": return FedMedian(fedAvg: base)
    case "fedtrimmedavg": return try FedTrimmedAvg(fedAvg: base, beta: d("beta"))
    case "krum", "multikrum":
      return Krum(
        fedAvg: base, numMaliciousClients: i("num_malicious_clients"),
        numClientsToKeep: i("num_clients_to_keep"))
    case "bulyan":
      #expect(i("to_keep") == 0)
      return Bulyan(fedAvg: base, numMaliciousClients: i("num_malicious_clients"))
    case "fault-tolerant-fedavg-accepts", "fault-tolerant-fedavg-declines":
      var f = FaultTolerantFedAvg.defaultFedAvg
      f.initialParameters = initial
      return FaultTolerantFedAvg(fedAvg: f, minCompletionRateFit: d("min_completion_rate_fit"))
    case "qfedavg":
      var f = QFedAvg.defaultFedAvg
      f.initialParameters = initial
      let loss = d("server_loss")
      f.evaluateFn = { _, _, _ in (loss, [:]) }
      return QFedAvg(fedAvg: f, qParam: d("q_param"), qfflLearningRate: d("qffl_learning_rate"))
    case "dp-server-fixed-clipping-no-noise":
      return try DifferentialPrivacyServerSideFixedClipping(
        base, noiseMultiplier: d("noise_multiplier"), clippingNorm: d("clipping_norm"),
        numSampledClients: i("num_sampled_clients"), seed: 1)
    case "dp-client-fixed-clipping-no-noise":
      return try DifferentialPrivacyClientSideFixedClipping(
        base, noiseMultiplier: d("noise_multiplier"), clippingNorm: d("clipping_norm"),
        numSampledClients: i("num_sampled_clients"), seed: 1)
    case "dp-server-adaptive-clipping-no-noise", "dp-server-adaptive-clipping-andrew",
      "dp-client-adaptive-clipping-andrew":
      // The "andrew" fixtures are Flower's wrappers with the count of unclipped updates that
      // Andrew et al. use (Flower counts the clipped ones; generate.py's dp_case).
      var settings = AdaptiveClippingSettings(
        noiseMultiplier: d("noise_multiplier"), numSampledClients: i("num_sampled_clients"))
      settings.initialClippingNorm = d("initial_clipping_norm")
      settings.targetClippedQuantile = d("target_clipped_quantile")
      settings.clipNormLearningRate = d("clip_norm_lr")
      return name.hasPrefix("dp-client")
        ? try DifferentialPrivacyClientSideAdaptiveClipping(base, settings: settings, seed: 1)
        : try DifferentialPrivacyServerSideAdaptiveClipping(base, settings: settings, seed: 1)
    default:
      Issue.record("no strategy for fixture \(name)")
      throw PollenError(.invalidArgument, name)
    }
  }

  @Test("fixture replayed, results folded in as they arrive", arguments: fixtures)
  func incremental(_ name: String) async throws {
    let fixture = try ParityFixtures.load(name)
    let initial = Parameters(tensors: ParityFixtures.arrays(fixture["initial_parameters"]!))
    var s = try Self.strategy(name, fixture["hyperparameters"] as! [String: Any], initial: initial)
    let rounds = try await StrategyReplay.replay(fixture, &s, incremental: true)
    #expect(rounds >= 1)
  }

  @Test("fixture replayed, all results handed over at once", arguments: fixtures)
  func batch(_ name: String) async throws {
    let fixture = try ParityFixtures.load(name)
    let initial = Parameters(tensors: ParityFixtures.arrays(fixture["initial_parameters"]!))
    var s = try Self.strategy(name, fixture["hyperparameters"] as! [String: Any], initial: initial)
    try await StrategyReplay.replay(fixture, &s, incremental: false)
  }

  /// The CLI's path: the factory builds the strategy from the fixture's snake_case options.
  @Test(
    "fixture replayed through StrategyFactory",
    arguments: [
      ("fedavg", "fedavg"), ("fedprox", "fedprox"), ("fedavgm", "fedavgm"), ("fedadagrad", "fedadagrad"),
      ("fedadam", "fedadam"), ("fedyogi", "fedyogi"), ("fedmedian", "fedmedian"),
      ("fedtrimmedavg", "fedtrimmedavg"),
      ("krum", "krum"), ("multikrum", "multikrum"), ("bulyan", "bulyan"), ("qfedavg", "qfedavg"),
      ("fault-tolerant-fedavg-accepts", "fault-tolerant-fedavg"),
      ("fault-tolerant-fedavg-declines", "faulttolerantfedavg"),
    ])
  func factory(_ fixtureName: String, _ strategyName: String) async throws {
    let fixture = try ParityFixtures.load(fixtureName)
    var options: [String: String] = [:]
    for (k, v) in fixture["hyperparameters"] as! [String: Any] where k != "server_loss" {
      options[k] = "\(v)"
    }
    var settings = StrategySettings(
      initialParameters: Parameters(tensors: ParityFixtures.arrays(fixture["initial_parameters"]!)))
    if let loss = (fixture["hyperparameters"] as! [String: Any])["server_loss"] {
      let l = StrategyReplay.double(loss)
      settings.evaluateFn = { _, _, _ in (l, [:]) }
    }
    var s = try StrategyFactory.make(strategyName, options: options, settings: settings)
    try await StrategyReplay.replay(fixture, &s, incremental: true)
  }
}

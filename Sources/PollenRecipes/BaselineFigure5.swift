import Logging
import PollenCore
import PollenData
import PollenNN
import PollenServer
import PollenSimulation

/// The Flower paper's network-heterogeneity experiment (§7.3, Figure 5) on digits, on the
/// virtual clock — and the configuration a run over real shaped links (`pollen baseline figure5
/// --network real`, the network lab) must reproduce to be compared with it.
///
/// `clients` devices take the Figure 5 population's speeds (`ClientProfiles.figure5`:
/// 40 countries, fast to slow; client `k` of `n` gets country `k·40/n`, so a dozen spans them
/// all), compute at ``examplesPerSecond`` scaled by their download speed (slow networks, slow
/// devices, as in ``BaselineFedFS``), and train an MLP of ``hidden`` units on an IID partition of
/// digits — exactly what `pollen client --partition k/n --model mlp --hidden H
/// --examples-per-second R` does, so a real run and its virtual twin move the same bytes and
/// process the same examples. Every client trains every round (fraction-fit 1: the sampler does
/// not differ between the two) and evaluates on its held-out 20%; time is the fit phase's.
///
/// Three variants: `fedavg` waits for all; `fedavg-timeout` sends `timeout = Δ` and discards
/// partial work (the paper's FedAvg; `DiscardPartialWork`); `fedfs` alternates `Δ_f`/`Δ_s` and
/// keeps partial work.
public struct BaselineFigure5: Sendable {
  /// One way of running the rounds.
  public enum Variant: String, CaseIterable, Sendable {
    case fedavg
    case fedavgTimeout = "fedavg-timeout"
    case fedfs
  }

  public var clients: Int
  public var rounds: Int
  /// The distributed (clients' held-out) accuracy to reach.
  public var targetAccuracy: Double
  /// Throughput of a device on a 40.1 Mbit/s network (the fast countries' mean).
  public var examplesPerSecond: Double
  /// Hidden units of the MLP (76,810 parameters at 1024: 307 KB each way per client and round,
  /// 1.4 s up a slow country's 1.8 Mbit/s).
  public var hidden: Int
  public var localEpochs: Int
  public var batchSize: Int
  public var learningRate: Double
  /// FedFS's fast and slow compute timeouts and `fedavg-timeout`'s `Δ`, in seconds.
  public var timeoutFast: Double
  public var timeoutSlow: Double
  public var fedAvgTimeout: Double
  /// Seed of the profiles, the partition and the models (`pollen client --seed`).
  public var seed: UInt64

  public init(
    clients: Int = 40, rounds: Int = 10, targetAccuracy: Double = 0.8, examplesPerSecond: Double = 400,
    hidden: Int = 1024, localEpochs: Int = 1, batchSize: Int = 16, learningRate: Double = 0.1,
    timeoutFast: Double = 0.3, timeoutSlow: Double = 0.8, seed: UInt64 = 42
  ) {
    self.clients = clients
    self.rounds = rounds
    self.targetAccuracy = targetAccuracy
    self.examplesPerSecond = examplesPerSecond
    self.hidden = hidden
    self.localEpochs = localEpochs
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.timeoutFast = timeoutFast
    self.timeoutSlow = timeoutSlow
    self.fedAvgTimeout = timeoutSlow
    self.seed = seed
  }

  /// The 40 countries' network speeds (fast to slow), before scaling compute.
  public var countries: ClientProfiles { ClientProfiles.figure5(seed: 0) }

  /// The country (0-based row of ``countries``) of client `k`.
  public func country(ofClient k: Int) -> Int {
    let n = countries.count
    return clients <= n ? k * n / clients : k % n
  }

  /// Each client's profile: its country's speeds, compute scaled by download speed; with
  /// `everyoneAt`, every client at that country's speeds (the sweep).
  public func profiles(everyoneAt row: Int? = nil) -> ClientProfiles {
    let table = countries
    // swift-format-ignore: NeverUseForceTry
    return try! ClientProfiles(
      (0..<clients).map { k in
        let p = table.profiles[row ?? country(ofClient: k)]
        return try! ClientProfile(
          examplesPerSecond: examplesPerSecond * p.downMbps / 40.1, downMbps: p.downMbps, upMbps: p.upMbps,
          availability: 1)
      })
  }

  /// The strategy name, its options, the fit `timeout` and whether partial work is kept.
  public func setup(_ variant: Variant) -> (
    strategy: String, options: [String: String], fitTimeout: Double?, partialWork: Bool
  ) {
    switch variant {
    case .fedavg: ("fedavg", [:], nil, true)
    case .fedavgTimeout: ("fedavg", [:], fedAvgTimeout, false)
    case .fedfs: ("fedfs", ["timeout_fast": "\(timeoutFast)", "timeout_slow": "\(timeoutSlow)"], nil, true)
    }
  }

  /// The arguments of `pollen server` for `variant` (after the address and `--out`).
  public func serverArguments(_ variant: Variant) -> [String] {
    let s = setup(variant)
    var arguments = [
      "--min-clients", "\(clients)", "--rounds", "\(rounds)", "--fraction-fit", "1", "--fraction-evaluate",
      "1",
      "--local-epochs", "\(localEpochs)", "--batch-size", "\(batchSize)", "--lr", "\(learningRate)",
      "--strategy", s.strategy, "--round-timeout", "600", "--seed", "\(seed)",
    ]
    for (key, value) in s.options.sorted(by: { $0.key < $1.key }) {
      arguments += ["--strategy-option", "\(key)=\(value)"]
    }
    if let timeout = s.fitTimeout { arguments += ["--fit-timeout", "\(timeout)"] }
    if !s.partialWork { arguments.append("--discard-partial-work") }
    return arguments
  }

  /// The arguments of `pollen client` number `k` (after `--server`).
  public func clientArguments(_ k: Int) -> [String] {
    [
      "--partition", "\(k)/\(clients)", "--seed", "\(seed)", "--model", "mlp", "--hidden", "\(hidden)",
      "--examples-per-second", "\(profiles().profiles[k].examplesPerSecond)",
    ]
  }

  /// Runs `variant` on the virtual clock (with ``profiles(everyoneAt:)``).
  public func simulate(
    _ variant: Variant, everyoneAt row: Int? = nil, logger: Logger = .pollen("pollen.baseline.figure5")
  ) async throws -> History {
    let all = try EmbeddedDatasets.digits()
    let parts = try IIDPartitioner().partitionDatasets(all, numPartitions: clients, seed: seed)
    let data = parts.enumerated().map { k, part in part.split(trainFraction: 0.8, seed: seed &+ UInt64(k)) }
    let model = Models.mlp(
      inputShape: all.featureShape, hidden: [hidden], classes: all.numClasses, seed: seed)
    let s = setup(variant)
    var fitConfig: Config = [
      "local_epochs": .int(Int64(localEpochs)), "batch_size": .int(Int64(batchSize)),
      "lr": .double(learningRate),
    ]
    if let timeout = s.fitTimeout { fitConfig[SimulationConfig.timeoutConfigKey] = .double(timeout) }
    let settings = StrategySettings(
      fractionFit: 1, fractionEvaluate: 1, minFitClients: clients, minEvaluateClients: clients,
      minAvailableClients: clients, initialParameters: Parameters(tensors: model.parameterArrays()),
      onFitConfig: { [fitConfig] round in
        fitConfig.merging(["server_round": .int(Int64(round))]) { a, _ in a }
      },
      onEvaluateConfig: { round in ["server_round": .int(Int64(round))] },
      fitMetricsAggregation: Aggregation.weightedNumericMetricAverages,
      evaluateMetricsAggregation: Aggregation.weightedNumericMetricAverages)
    var strategy = try StrategyFactory.make(s.strategy, options: s.options, settings: settings)
    if !s.partialWork { strategy = DiscardPartialWork(strategy) }
    let config = SimulationConfig(
      numClients: clients, seed: seed, profiles: profiles(everyoneAt: row), partialWork: s.partialWork)
    let simulation = Simulation(config: config, logger: logger) { id in
      TrainingClient(model: model, trainData: data[id].0, testData: data[id].1).asClient()
    }
    return await simulation.run(strategy: strategy, rounds: rounds).history
  }

  /// What a run (real or virtual) came to.
  public struct Summary: Sendable {
    /// Seconds of fit phases until the distributed accuracy first reached the target.
    public var secondsToTarget: Double?
    /// Seconds of all fit phases.
    public var totalSeconds: Double
    public var finalAccuracy: Double?
    /// Tensor bytes sent and received over the run.
    public var bytesMoved: Int
  }

  /// Summarises a history: time from the server's fit timings (a real run) or from the
  /// virtual clock (`virtual`).
  public func summary(of history: History, virtual: Bool) -> Summary {
    let seconds: [(round: Int, seconds: Double)] =
      virtual
      ? history.simulatedTime.map { ($0.round, $0.seconds) }
      : history.timings.map { ($0.round, $0.fitSeconds) }
    let accuracy = history.metricsDistributed["accuracy"] ?? []
    let reached = accuracy.first { ($0.value.doubleValue ?? 0) >= targetAccuracy }?.round
    return Summary(
      secondsToTarget: reached.map { r in seconds.filter { $0.round <= r }.reduce(0) { $0 + $1.seconds } },
      totalSeconds: seconds.reduce(0) { $0 + $1.seconds },
      finalAccuracy: accuracy.last?.value.doubleValue,
      bytesMoved: history.timings.reduce(0) { $0 + $1.bytesSent + $1.bytesReceived })
  }

  /// The Figure 5 curve: every client at country `i`'s speed (1-based, fast to slow), FedAvg
  /// waiting for all, total simulated seconds of the rounds.
  public func sweep(countries indices: [Int] = [1, 5, 10, 15, 17, 18, 20, 21, 25, 30, 35, 40]) async throws
    -> [(country: Int, seconds: Double)]
  {
    var points: [(country: Int, seconds: Double)] = []
    for i in indices where (1...countries.count).contains(i) {
      let history = try await simulate(.fedavg, everyoneAt: i - 1)
      points.append((i, summary(of: history, virtual: true).totalSeconds))
    }
    return points
  }

  /// The table (virtual, or real beside virtual) and the sweep's curve as a report.
  public func report(
    virtual: [Variant: Summary], real: [Variant: Summary]? = nil,
    sweep: [(country: Int, seconds: Double)] = []
  ) -> ComparisonReport {
    func f(_ v: Double?, _ digits: Int = 1) -> String {
      v.map { String(format: "%.\(digits)f", $0) } ?? "never"
    }
    var columns = ["variant"]
    if real != nil { columns += ["real s to target", "real total s"] }
    columns += ["virtual s to target", "virtual total s"]
    if real != nil { columns.append("real / virtual") }
    columns += ["final accuracy", "MB moved"]
    let rows: [[String]] = Variant.allCases.compactMap { v in
      guard let sim = virtual[v] else { return nil }
      var row = [v.rawValue]
      let measured = real?[v]
      if real != nil { row += [f(measured?.secondsToTarget), f(measured?.totalSeconds)] }
      row += [f(sim.secondsToTarget), f(sim.totalSeconds)]
      if real != nil {
        row.append(
          measured.map {
            sim.totalSeconds > 0 ? String(format: "%.3f", $0.totalSeconds / sim.totalSeconds) : "-"
          } ?? "-")
      }
      let shown = measured ?? sim
      row += [f(shown.finalAccuracy, 4), String(format: "%.2f", Double(shown.bytesMoved) / 1e6)]
      return row
    }
    var plots: [SVGPlot] = []
    if !sweep.isEmpty {
      plots.append(
        SVGPlot(
          title: "Figure 5: every client at country i's speed (FedAvg, \(rounds) rounds)",
          xLabel: "country index (fast to slow)",
          yLabel: "simulated seconds",
          series: [
            SVGPlot.Series(
              name: "fedavg", points: sweep.map { (Double($0.country), $0.seconds) },
              color: ComparisonReport.palette[0])
          ]))
    }
    return ComparisonReport(
      title: "Baseline figure5 — time to \(targetAccuracy) distributed accuracy",
      summary:
        "digits, \(clients) clients over the Flower paper's Figure 5 countries (client k at country k·40/\(clients)), all training every round, "
        + "\(rounds) rounds, MLP with \(hidden) hidden units, \(examplesPerSecond) examples/s at 40.1 Mbit/s. "
        + "fedavg-timeout discards partial work past Δ = \(fedAvgTimeout) s; fedfs: Δ_f = \(timeoutFast) s, Δ_s = \(timeoutSlow) s. "
        + (real == nil
          ? "Virtual clock only."
          : "Real: pollen server and clients in network namespaces with tc-shaped links (time from the server's own fit timings).")
        + (sweep.isEmpty
          ? ""
          : " Figure 5 sweep, total simulated seconds with every client at country i: "
            + sweep.map { "\($0.country): \(String(format: "%.1f", $0.seconds))" }.joined(separator: ", ")
            + "."),
      columns: columns, rows: rows, plots: plots)
  }
}

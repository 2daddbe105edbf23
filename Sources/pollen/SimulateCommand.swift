import ArgumentParser
import Foundation
import Logging
import PollenCore
import PollenData
import PollenRecipes
import PollenServer
import PollenSimulation
import PollenStore

struct SimulateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Simulate federated learning with virtual clients in this process.",
    discussion: """
      With no options: 100 clients on the embedded UCI digits, Dirichlet(0.5) label skew, an MLP,
      FedAvg with 10% of clients per round, 30 rounds, centralised evaluation every round.
      Writes history.json, parameters.npz, config.json and report.html to --out.
      """)

  @OptionGroup var configFile: ConfigFileOption

  @Option(help: "Number of virtual clients.") var clients = 100
  @Option(help: "Number of rounds.") var rounds = 30
  @Option(help: "Strategy: \(StrategyFactory.names.joined(separator: ", ")).") var strategy = "fedavg"
  @Option(name: .customLong("strategy-option"), help: "A strategy option as key=value (repeatable).")
  var strategyOptions: [String] = []
  @Option(help: "Fraction of clients that train each round.") var fractionFit = 0.1
  @Option(help: "Fraction of clients that evaluate each round (default 1.0, as FedAvg's and Flower's).")
  var fractionEvaluate: Double?
  @Option(
    help: "digits | breast-cancer | csv:PATH | mnist:DIR | fashion-mnist:DIR | cifar10:DIR | synthetic:α,β")
  var dataset = "digits"
  @Option(help: "With csv:PATH, the label column (0-based; negative counts from the end).")
  var labelColumn = -1
  @Option(help: "iid | dirichlet:α[:min size] | shards:k | mixed:x | linear | exponential:r")
  var partition = "dirichlet:0.5:2"
  @Option(help: "logreg | mlp | cnn") var model = "mlp"
  @Option(help: "Local epochs per round.") var localEpochs = SimulationJob.Options.defaults.localEpochs
  @Option(help: "Local batch size.") var batchSize = SimulationJob.Options.defaults.batchSize
  @Option(help: "Local learning rate.") var lr = SimulationJob.Options.defaults.learningRate
  @Option(help: "Seed: the same seed gives the same history.") var seed: UInt64 = 0
  @Option(help: "Clients trained at once (default: number of cores).") var concurrency = SimulationConfig
    .defaultConcurrency
  @Option(help: "Probability that a client call fails as a dropout.") var dropout = 0.0
  @Flag(help: "Send every tensor through the .npy wire codec (to measure its cost).") var serialize = false
  @Option(help: "Client profiles: figure5 | csv file (client,examples_per_s,down_mbps,up_mbps,availability).")
  var profiles: String?
  @Option(help: "Per-client compute cut-off τ in simulated seconds (needs --profiles).") var cutoff: Double?
  @Option(help: "Share of clients that send poisoned updates (0…1).") var attackers = 0.0
  @Option(help: "The attackers' attack: sign-flip[:K] | scale:K | noise:σ.") var attack = "sign-flip"
  @Option(help: "Probability that a sampled client straggles in a round (0…1).") var stragglers = 0.0
  @Option(help: "What stragglers do: partial-work (fewer local epochs) | drop (a failure).")
  var stragglerMode = "partial-work"
  @Option(help: "Run directory to write (default: runs/simulate-<seed>).") var out: String?
  @Flag(help: "Only log lines, no progress bar.") var plain = false
  @OptionGroup var privacy: PrivacyOptions
  @OptionGroup var secagg: SecAggOptions
  @OptionGroup var metrics: MetricsOptions
  @OptionGroup var store: RunStoreOptions

  func options() throws -> SimulationJob.Options {
    var o = SimulationJob.Options.defaults
    o.dataset = try DatasetSpec(parsing: dataset, labelColumn: labelColumn)
    o.clients = clients
    o.rounds = rounds
    o.strategy = strategy
    o.strategyOptions = try StrategyOptionParser.parse(strategyOptions)
    o.fractionFit = fractionFit
    o.fractionEvaluate = fractionEvaluate
    o.partition = try PartitionSpec(parsing: partition)
    o.model = try ModelSpec(parsing: model)
    o.localEpochs = localEpochs
    o.batchSize = batchSize
    o.learningRate = lr
    o.seed = seed
    o.concurrency = concurrency
    o.dropoutProbability = dropout
    o.serializeMessages = serialize
    if let profiles {
      o.profiles =
        profiles == "figure5"
        ? ClientProfiles.figure5(seed: seed) : try ClientProfiles(contentsOfFile: profiles)
    }
    o.cutoff = cutoff
    o.attackers = attackers
    o.attack = try Attack(parsing: attack)
    o.stragglers = stragglers
    guard let mode = Stragglers.Mode(rawValue: stragglerMode) else {
      throw ValidationError("--straggler-mode must be partial-work or drop")
    }
    o.stragglerMode = mode
    o.privacy = try privacy.plan(seed: seed)
    o.secureAggregation = try secagg.config()
    return o
  }

  func run() async throws {
    let options = try options()
    let logger = CLILogging.logger("pollen.simulate")
    let metricsEndpoint = try await metrics.start(
      logger: CLILogging.logger("pollen.metrics", defaultLevel: .info))
    if store.state != nil, options.profiles != nil || options.dropoutProbability > 0 {
      throw ValidationError(
        "--state does not support --profiles or --dropout yet (their virtual clock and call counters are not saved)"
      )
    }
    let opened = try store.open(
      kind: "simulate", settings: RunSettings(options.settings.filter { $0.key != "concurrency" }),
      logger: CLILogging.logger("pollen.store", defaultLevel: .info))
    let job = SimulationJob(options: options, logger: logger)
    let progress = ProgressReporter(totalRounds: options.rounds, live: !plain && ProgressReporter.isTerminal)
    let outcome = try await runUntilShutdownSignal(logger: logger) {
      try await job.run(resumingFrom: opened?.checkpoint, recorder: opened?.store) { round, history in
        progress.update(round: round, history: history)
      }
    }
    progress.finish()
    try opened?.store.close()
    let completed = outcome.history.timings.last?.round ?? 0
    if completed < options.rounds, let stopped = outcome.history.stopped {
      print("stopped after round \(stopped.afterRound) of \(options.rounds): \(stopped.reason)")
    } else if completed < options.rounds {
      print(
        "stopped after round \(completed) of \(options.rounds)"
          + (store.state.map { "; continue with --state \($0) --resume" } ?? ""))
      await metricsEndpoint?.stop()
      return
    }
    let dir = URL(fileURLWithPath: out ?? "runs/simulate-\(seed)")
    try RunDirectory(dir).write(
      history: outcome.history, parameters: outcome.parameters, settings: options.settings,
      title: "pollen simulate — \(options.dataset), \(options.clients) clients, \(options.strategy)")
    let acc = outcome.history.metricsCentralized["accuracy"]?.last?.value.doubleValue
    let seconds =
      outcome.duration.inSeconds
    print(
      "done: \(completed) rounds in \(String(format: "%.1f", seconds)) s"
        + (acc.map { ", centralised accuracy \(String(format: "%.4f", $0))" } ?? "")
        + ", \(outcome.history.failures.count) client failures")
    print("wrote \(dir.path)/{history.json, parameters.npz, config.json, timings.json, report.html}")
    await metricsEndpoint?.stop()
  }
}

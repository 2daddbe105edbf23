import Logging
import PollenCore
import PollenServer
import PollenSimulation

/// FedAvg against the robust strategies (FedMedian, FedTrimmedAvg, Krum, Bulyan) when a share of
/// clients sends poisoned updates: the final centralised accuracy of each on the same job.
///
/// The default setting: digits, 20 IID clients that all train every round, 4 of them (20%)
/// sign-flip attackers, 40 rounds. Every round then has exactly 4 attackers among 20 updates, so
/// Krum and Bulyan are told `num_malicious_clients = 4` (Bulyan needs n ≥ 4f + 3 = 19) and
/// FedTrimmedAvg cuts `beta = 0.2` from each end.
public struct BaselineRobust: Sendable {
  /// The job every strategy runs (its `strategy` and `strategyOptions` are set per run).
  public var job: SimulationJob.Options
  /// The strategies compared, with their options.
  public var strategies: [(name: String, options: [String: String])]

  /// One strategy's outcome.
  public struct Result: Sendable {
    public var strategy: String
    public var finalAccuracy: Double?
    public var history: History
  }

  public init(
    rounds: Int = 40, attackers: Double = 0.2, attack: Attack = .signFlip(scale: 10), seed: UInt64 = 0
  ) {
    var o = SimulationJob.Options.defaults
    o.clients = 20
    o.fractionFit = 1
    o.fractionEvaluate = 0
    o.partition = .iid
    o.rounds = rounds
    o.localEpochs = 1
    o.attackers = attackers
    o.attack = attack
    o.seed = seed
    job = o
    let f = "\(Int((attackers * Double(o.clients)).rounded()))"
    strategies = [
      ("fedavg", [:]), ("fedmedian", [:]), ("fedtrimmedavg", ["beta": "0.2"]),
      ("krum", ["num_malicious_clients": f]), ("bulyan", ["num_malicious_clients": f]),
    ]
  }

  /// Runs every strategy in turn.
  public func run(logger: Logger = .pollen("pollen.baseline.robust")) async throws -> [Result] {
    var results: [Result] = []
    for (name, options) in strategies {
      var o = job
      o.strategy = name
      o.strategyOptions = options
      let h = try await SimulationJob(options: o, logger: logger).run().history
      results.append(
        Result(
          strategy: name, finalAccuracy: h.metricsCentralized["accuracy"]?.last?.value.doubleValue, history: h
        ))
    }
    return results
  }

  /// The results as a table with accuracy and loss charts.
  public func report(_ results: [Result]) -> ComparisonReport {
    let runs = results.map { ($0.strategy, $0.history) }
    return ComparisonReport(
      title: "Baseline robust — \(job.attack) attackers",
      summary:
        "\(job.dataset), \(job.clients) \(job.partition) clients, all training each round, "
        + "\(Int(job.attackers * 100))% of them sending \(job.attack) updates, \(job.rounds) rounds, \(job.model). "
        + "Without a robust rule the attackers pull the average away from the honest clients.",
      columns: ["strategy", "options", "final accuracy"],
      rows: zip(results, strategies).map { r, s in
        [
          r.strategy, s.options.keys.sorted().map { "\($0)=\(s.options[$0]!)" }.joined(separator: ","),
          r.finalAccuracy.map { String(format: "%.4f", $0) } ?? "-",
        ]
      },
      plots: [
        ComparisonReport.plot(title: "Centralised accuracy", yLabel: "accuracy", runs: runs) {
          SVGPlot.points($0.metricsCentralized["accuracy"])
        },
        ComparisonReport.plot(title: "Centralised loss", yLabel: "loss", runs: runs) {
          $0.lossesCentralized.map { (Double($0.round), min($0.loss, 1e6)) }
        },
      ])
  }
}

import Logging
import PollenCore
import PollenServer
import PollenSimulation

/// FedAvg against FedFS on the Flower paper's Figure 5 population (40 "countries"): the
/// simulated time each needs to reach a target centralised accuracy.
///
/// Devices are as slow as their networks: a client's throughput is `examplesPerSecond ×
/// downMbps / 40.1` (the fast group's mean), so the 20 slow countries also train slowly. Three
/// runs: `fedavg` waits for every sampled client to finish its local epochs; `fedavg-timeout`
/// is the paper's FedAvg (Appendix A.2): a client that has not finished within `Δ` is
/// discarded (``fedAvgTimeout``, by default FedFS's slow timeout `Δ_s`); `fedfs` stops clients
/// at `Δ_f`/`Δ_s`, keeps their partial work and samples low-contribution clients more often.
/// The paper's comparison is `fedfs` against `fedavg-timeout`.
public struct BaselineFedFS: Sendable {
  /// The job both strategies run (its `strategy` and `profiles` are set per run).
  public var job: SimulationJob.Options
  /// The centralised accuracy to reach.
  public var targetAccuracy: Double
  /// FedFS's options (`timeout_fast`, `timeout_slow`, `fast_rounds`, `slow_rounds`, `epsilon`).
  public var fedFSOptions: [String: String]
  /// Throughput of a client on a 40.1 Mbit/s network, in examples per second.
  public var examplesPerSecond: Double
  /// The timeout `Δ` of the `fedavg-timeout` run, in simulated seconds.
  public var fedAvgTimeout: Double

  /// One strategy's outcome.
  public struct Result: Sendable {
    /// `fedavg`, `fedavg-timeout` or `fedfs`.
    public var strategy: String
    /// Simulated seconds until the centralised accuracy first reached the target; `nil` if never.
    public var secondsToTarget: Double?
    /// Simulated seconds of the whole run.
    public var totalSeconds: Double
    /// The last centralised accuracy.
    public var finalAccuracy: Double?
    /// The run's history.
    public var history: History
  }

  /// The comparison with the paper's setting: 40 clients, 10 per round, on `digits`.
  public init(
    targetAccuracy: Double = 0.85, rounds: Int = 30, seed: UInt64 = 0, examplesPerSecond: Double = 200,
    fedFSOptions: [String: String] = ["timeout_fast": "0.5", "timeout_slow": "2", "epsilon": "0.1"]
  ) {
    var o = SimulationJob.Options.defaults
    o.clients = 40
    o.fractionFit = 0.25
    o.rounds = rounds
    o.seed = seed
    self.job = o
    self.targetAccuracy = targetAccuracy
    self.fedFSOptions = fedFSOptions
    self.examplesPerSecond = examplesPerSecond
    self.fedAvgTimeout = Double(fedFSOptions["timeout_slow"] ?? "") ?? 2
  }

  /// The Figure 5 profile with throughput proportional to download speed.
  public func profiles() -> ClientProfiles {
    let base = ClientProfiles.figure5(seed: job.seed)
    // swift-format-ignore: NeverUseForceTry
    return try! ClientProfiles(
      base.profiles.map {
        try! ClientProfile(
          examplesPerSecond: examplesPerSecond * $0.downMbps / 40.1, downMbps: $0.downMbps, upMbps: $0.upMbps,
          availability: $0.availability)
      })
  }

  /// Runs FedAvg waiting for all, FedAvg with timeout `Δ`, then FedFS.
  public func run(logger: Logger = .pollen("pollen.baseline.fedfs")) async throws -> [Result] {
    var results: [Result] = []
    let runs: [(name: String, strategy: String, options: [String: String], timeout: Double?)] = [
      ("fedavg", "fedavg", [:], nil), ("fedavg-timeout", "fedavg", [:], fedAvgTimeout),
      ("fedfs", "fedfs", fedFSOptions, nil),
    ]
    for (name, strategy, options, timeout) in runs {
      var o = job
      o.strategy = strategy
      o.strategyOptions = options
      o.profiles = profiles()
      o.fitTimeout = timeout
      o.partialWork = timeout == nil
      let outcome = try await SimulationJob(options: o, logger: logger).run()
      let h = outcome.history
      results.append(
        Result(
          strategy: name,
          secondsToTarget: Self.secondsToTarget(h, accuracy: targetAccuracy),
          totalSeconds: h.simulatedTime.reduce(0) { $0 + $1.seconds },
          finalAccuracy: h.metricsCentralized["accuracy"]?.last?.value.doubleValue, history: h))
    }
    return results
  }

  /// The simulated seconds until centralised `accuracy` is first reached (rounds' simulated
  /// times summed up to and including that round), or `nil`.
  public static func secondsToTarget(_ history: History, accuracy: Double) -> Double? {
    guard
      let round = history.metricsCentralized["accuracy"]?
        .first(where: { $0.round > 0 && ($0.value.doubleValue ?? 0) >= accuracy })?.round
    else { return nil }
    return history.simulatedTime.filter { $0.round <= round }.reduce(0) { $0 + $1.seconds }
  }

  /// The results as a table (with FedFS's time as a share of FedAvg's) and accuracy charts over
  /// simulated time.
  public func report(_ results: [Result]) -> ComparisonReport {
    func f(_ v: Double?, _ digits: Int = 1) -> String {
      v.map { String(format: "%.\(digits)f", $0) } ?? "never"
    }
    var rows = results.map { r in
      [r.strategy, f(r.secondsToTarget), f(r.totalSeconds), f(r.finalAccuracy, 4)]
    }
    for baseline in ["fedavg", "fedavg-timeout"] {
      if let a = results.first(where: { $0.strategy == baseline })?.secondsToTarget,
        let b = results.first(where: { $0.strategy == "fedfs" })?.secondsToTarget, a > 0
      {
        rows.append(["fedfs / \(baseline)", String(format: "%.3f", b / a), "", ""])
      }
    }
    func curve(_ h: History) -> [(x: Double, y: Double)] {
      var elapsed: [Int: Double] = [0: 0]
      var total = 0.0
      for t in h.simulatedTime {
        total += t.seconds
        elapsed[t.round] = total
      }
      return (h.metricsCentralized["accuracy"] ?? []).compactMap { p in
        guard let t = elapsed[p.round], let v = p.value.doubleValue else { return nil }
        return (t, v)
      }
    }
    return ComparisonReport(
      title: "Baseline fedfs — simulated time to \(targetAccuracy) accuracy",
      summary:
        "\(job.dataset), \(job.clients) clients on the Flower paper's Figure 5 network profile (20 fast, 20 slow), "
        + "\(Int((job.fractionFit * Double(job.clients)).rounded())) per round, \(job.rounds) rounds, \(job.model). "
        + "fedavg-timeout discards clients not done within Δ = \(fedAvgTimeout) s. FedFS options: \(fedFSOptions.keys.sorted().map { "\($0)=\(fedFSOptions[$0]!)" }.joined(separator: ", ")).",
      columns: ["strategy", "seconds to target", "total seconds", "final accuracy"],
      rows: rows,
      plots: [
        SVGPlot(
          title: "Centralised accuracy over simulated time", xLabel: "simulated seconds", yLabel: "accuracy",
          series: results.enumerated().map { i, r in
            SVGPlot.Series(name: r.strategy, points: curve(r.history), color: ComparisonReport.palette[i])
          })
      ])
  }
}

import Logging
import PollenCore
import PollenServer
import PollenSimulation

/// FedAvg against FedFS on the Flower paper's Figure 5 population (40 "countries"): the
/// simulated time each needs to reach a target centralised accuracy.
///
/// Devices are as slow as their networks: a client's throughput is `examplesPerSecond ×
/// downMbps / 40.1` (the fast group's mean), so the 20 slow countries also train slowly. FedAvg
/// waits for every sampled client to finish its local epochs; FedFS stops them at `Δ_f`/`Δ_s`
/// and samples low-contribution clients more often.
public struct BaselineFedFS: Sendable {
  /// The job both strategies run (its `strategy` and `profiles` are set per run).
  public var job: SimulationJob.Options
  /// The centralised accuracy to reach.
  public var targetAccuracy: Double
  /// FedFS's options (`timeout_fast`, `timeout_slow`, `fast_rounds`, `slow_rounds`, `epsilon`).
  public var fedFSOptions: [String: String]
  /// Throughput of a client on a 40.1 Mbit/s network, in examples per second.
  public var examplesPerSecond: Double

  /// One strategy's outcome.
  public struct Result: Sendable {
    /// `fedavg` or `fedfs`.
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

  /// Runs FedAvg, then FedFS.
  public func run(logger: Logger = Logger(label: "pollen.baseline.fedfs")) async throws -> [Result] {
    var results: [Result] = []
    for (name, options) in [("fedavg", [String: String]()), ("fedfs", fedFSOptions)] {
      var o = job
      o.strategy = name
      o.strategyOptions = options
      o.profiles = profiles()
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
}

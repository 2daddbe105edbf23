import Foundation
import PollenCore
import PollenServer
import PollenSimulation
import Synchronization
import Testing

/// A client with `examples` local examples that honours `max_examples` and `local_epochs` and
/// returns its parameters unchanged, reporting `examples_processed`.
/// The `max_examples` values a client saw, in call order.
final class Recorder: Sendable {
  private let values = Mutex<[Int]>([])
  func append(_ v: Int) { values.withLock { $0.append(v) } }
  var all: [Int] { values.withLock { $0 } }
}

struct WorkClient: Client {
  let examples: Int
  let seen: Recorder?

  func fit(_ ins: FitIns) async throws -> FitRes {
    let epochs = ins.config["local_epochs"]?.intValue ?? 1
    let cap = ins.config["max_examples"]?.intValue
    if let cap { seen?.append(cap) }
    let processed = min(cap ?? Int.max, epochs * examples)
    return FitRes(
      parameters: ins.parameters, numExamples: min(processed, examples),
      metrics: ["examples_processed": .int(Int64(processed))])
  }
  func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes {
    EvaluateRes(loss: 0, numExamples: examples)
  }
}

@Suite("Heterogeneity on a virtual clock")
struct HeterogeneityTests {
  /// 1000 float32 = 4000 bytes = 32 000 bits.
  static let model = Parameters(tensors: [NDArray([Float](repeating: 0, count: 1000), shape: [1000])])

  func simulate(
    clients: Int = 1, fraction: Double = 1, rounds: Int = 2, profiles: ClientProfiles?, cutoff: Double? = nil,
    seed: UInt64 = 1, seen: Recorder? = nil
  ) async -> History {
    let sim = Simulation(
      config: SimulationConfig(
        numClients: clients, concurrency: 2, seed: seed, profiles: profiles, cutoff: cutoff)
    ) { id in WorkClient(examples: 50 + id, seen: seen) }
    let strategy = FedAvg(
      fractionFit: fraction, fractionEvaluate: 0, minFitClients: 1, minEvaluateClients: 1,
      minAvailableClients: 1,
      onFitConfig: { _ in ["local_epochs": .int(2)] }, initialParameters: Self.model,
      fitMetricsAggregation: Aggregation.weightedMetricAverage("examples_processed"))
    return await sim.run(strategy: strategy, rounds: rounds).history
  }

  static let oneProfile = try! ClientProfiles([
    ClientProfile(examplesPerSecond: 100, downMbps: 1, upMbps: 0.5)
  ])

  @Test("a round's simulated time is download + compute + upload of its slowest client")
  func chargesTime() async {
    let history = await simulate(profiles: Self.oneProfile)
    // 32 000 bits / 1 Mbit/s + 100 examples / 100 per s + 32 000 bits / 0.5 Mbit/s.
    let expected = 0.032 + 1.0 + 0.064
    #expect(history.simulatedTime.map(\.round) == [1, 2])
    for (_, s) in history.simulatedTime { #expect(abs(s - expected) < 1e-9) }
    // Without profiles nothing is recorded.
    #expect(await simulate(profiles: nil).simulatedTime.isEmpty)
  }

  @Test("the cut-off τ sends max_examples = floor(τ · examples/s) and limits the charged compute")
  func cutoff() async {
    let seen = Recorder()
    let history = await simulate(profiles: Self.oneProfile, cutoff: 0.5, seen: seen)
    #expect(seen.all == [50, 50])
    #expect(history.metricsDistributedFit["examples_processed"]?.map(\.value.doubleValue) == [50, 50])
    for (_, s) in history.simulatedTime { #expect(abs(s - (0.032 + 0.5 + 0.064)) < 1e-9) }
  }

  @Test("a timeout config key becomes max_examples from the client's profile")
  func timeoutKey() async {
    let seen = Recorder()
    let sim = Simulation(config: SimulationConfig(numClients: 1, profiles: Self.oneProfile, cutoff: 0.8)) {
      id in
      WorkClient(examples: 50, seen: seen)
    }
    let strategy = FedAvg(
      fractionEvaluate: 0, minFitClients: 1, minAvailableClients: 1,
      onFitConfig: { _ in [SimulationConfig.timeoutConfigKey: .double(0.3)] }, initialParameters: Self.model)
    _ = await sim.run(strategy: strategy, rounds: 1)
    #expect(seen.all == [30])  // min(τ = 0.8, timeout = 0.3) · 100
  }

  @Test("same seed, same simulated times and failures; rounds differ across clients")
  func deterministic() async throws {
    let base = ClientProfiles.figure5(seed: 3)
    let flaky = try ClientProfiles(
      base.profiles.map {
        try ClientProfile(
          examplesPerSecond: $0.examplesPerSecond, downMbps: $0.downMbps, upMbps: $0.upMbps, availability: 0.7
        )
      })
    let a = await simulate(clients: 40, fraction: 0.25, rounds: 6, profiles: flaky, seed: 9)
    let b = await simulate(clients: 40, fraction: 0.25, rounds: 6, profiles: flaky, seed: 9)
    #expect(a.simulatedTime.count == 6)
    #expect(a.simulatedTime.map(\.seconds) == b.simulatedTime.map(\.seconds))
    #expect(a.failures.map(\.cid) == b.failures.map(\.cid))
    #expect(Set(a.simulatedTime.map(\.seconds)).count > 1)
    #expect(a == b)
  }

  @Test("unavailable clients fail and are recorded as failures")
  func availability() async throws {
    let never = try ClientProfiles([
      ClientProfile(examplesPerSecond: 100, downMbps: 1, upMbps: 1, availability: 0)
    ])
    let history = await simulate(clients: 3, rounds: 2, profiles: never)
    #expect(history.failures.count == 6)
    #expect(history.failures.allSatisfy { $0.reason.contains("unavailable") })
    #expect(history.simulatedTime.map(\.seconds) == [0, 0])
  }

  @Test("profiles do not sleep: a day of simulated time passes in seconds of real time")
  func noSleeping() async throws {
    let slow = try ClientProfiles([ClientProfile(examplesPerSecond: 0.001, downMbps: 0.001, upMbps: 0.001)])
    let clock = ContinuousClock()
    let start = clock.now
    let history = await simulate(clients: 4, rounds: 5, profiles: slow)
    // Sleeping would take a day; a loaded debug test machine takes seconds. (The real-time cost
    // of profiles is measured side by side by `pollen bench simulate --profiles figure5`.)
    #expect(clock.now - start < .seconds(120))
    #expect(history.simulatedTime.reduce(0) { $0 + $1.seconds } > 86_400)
  }

  @Test("simulated_time survives JSON")
  func json() async throws {
    let history = await simulate(profiles: Self.oneProfile)
    let decoded = try History(jsonData: history.jsonData())
    #expect(decoded == history)
    #expect(String(decoding: history.jsonData(), as: UTF8.self).contains("\"simulated_time\""))
  }
}

@Suite("Client profiles")
struct ClientProfilesTests {
  @Test("CSV parses, cycles by id % count, and round-trips")
  func parse() throws {
    let csv =
      "client,examples_per_s,down_mbps,up_mbps,availability\n0,10,20,5,1\n# comment\n\n1,2.5,3,1,0.5\n"
    let table = try ClientProfiles(csv: csv)
    #expect(table.count == 2)
    #expect(table.profile(for: 3).examplesPerSecond == 2.5)
    #expect(table.profile(for: 4).downMbps == 20)
    #expect(try ClientProfiles(csv: table.csv) == table)
  }

  @Test(
    "CSV errors name the line",
    arguments: [
      ("client,speed\n0,1", "line 1"),
      ("client,examples_per_s,down_mbps,up_mbps,availability\n0,10,20,5,1\n1,x,3,1,1", "line 3"),
      ("client,examples_per_s,down_mbps,up_mbps,availability\n0,10,20,5", "line 2"),
      ("client,examples_per_s,down_mbps,up_mbps,availability\n0,10,20,5,1\n\n2,1,1,1,1", "line 4"),
      ("client,examples_per_s,down_mbps,up_mbps,availability\n0,10,-1,5,1", "line 2"),
      ("client,examples_per_s,down_mbps,up_mbps,availability\n0,10,1,5,1.5", "line 2"),
    ])
  func errors(csv: String, line: String) {
    do {
      _ = try ClientProfiles(csv: csv)
      Issue.record("expected an error for \(csv)")
    } catch let e as PollenError {
      #expect(e.code == .invalidArgument)
      #expect(e.message.contains(line), "\(e.message)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test("the Figure 5 profile: 40 countries, fast and slow means as in the paper, seeded")
  func figure5() throws {
    let p = ClientProfiles.figure5(seed: 7)
    #expect(p.count == 40)
    let down = p.profiles.map(\.downMbps)
    let fastMean: Double = down.prefix(20).reduce(0, +) / 20
    let slowMean: Double = down.suffix(20).reduce(0, +) / 20
    #expect(abs(fastMean - 40.1) < 1e-9)
    #expect(abs(slowMean - 6.76) < 1e-9)
    #expect(down == down.sorted(by: >))
    #expect(ClientProfiles.figure5(seed: 7) == p)
    #expect(ClientProfiles.figure5(seed: 8) != p)
    let path = NSTemporaryDirectory() + "pollen-figure5-\(UInt32.random(in: 0...UInt32.max)).csv"
    try p.writeCSV(toFile: path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(try ClientProfiles(contentsOfFile: path) == p)
  }

  @Test("the shipped Profiles/figure5.csv is the Figure 5 table for seed 0, and loads")
  func shippedFigure5() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let path = root.appendingPathComponent("Profiles/figure5.csv").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text == ClientProfiles.figure5(seed: 0).csv)
    let loaded = try ClientProfiles(contentsOfFile: path)
    #expect(loaded.count == 40)
    #expect(loaded == ClientProfiles.figure5(seed: 0))
  }
}

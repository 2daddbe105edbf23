import Foundation
import PollenCore
import PollenServer
import PollenSimulation
import PollenTesting
import Synchronization
import Testing

/// A client that adds its id/1000 to every parameter and tracks how many run at once.
struct CountingClient: Client {
  let id: Int
  let live: LiveCounter
  func fit(_ ins: FitIns) async throws -> FitRes {
    live.enter()
    defer { live.leave() }
    try await Task.sleep(for: .milliseconds(2))
    let p = ins.parameters.tensors.map { t in
      NDArray(t.scalars(as: Float.self).map { $0 + Float(id) / 1000 }, shape: t.shape)
    }
    return FitRes(
      parameters: Parameters(tensors: p), numExamples: 1 + id % 7,
      metrics: ["loss": .double(Double(id) / 1e4)])
  }
  func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes {
    EvaluateRes(
      loss: Double(id % 13) / 7, numExamples: 1 + id % 5, metrics: ["accuracy": .double(Double(id % 11) / 10)]
    )
  }
}

final class LiveCounter: Sendable {
  private let state = Mutex((now: 0, peak: 0, created: 0))
  func enter() {
    state.withLock {
      $0.now += 1; $0.peak = max($0.peak, $0.now)
    }
  }
  func leave() { state.withLock { $0.now -= 1 } }
  func created() { state.withLock { $0.created += 1 } }
  var peak: Int { state.withLock { $0.peak } }
  var createdCount: Int { state.withLock { $0.created } }
}

@Suite("Simulation engine")
struct SimulationTests {
  static let model = Parameters(tensors: [
    NDArray([Float](repeating: 0, count: 12), shape: [3, 4]), NDArray([Float(0), 0]),
  ])

  func run(
    clients: Int, fraction: Double, rounds: Int, concurrency: Int = 2, seed: UInt64 = 1, dropout: Double = 0,
    serialize: Bool = false, live: LiveCounter = LiveCounter()
  ) async -> (History, Parameters) {
    let sim = Simulation(
      config: SimulationConfig(
        numClients: clients, concurrency: concurrency, seed: seed, serializeMessages: serialize,
        dropoutProbability: dropout)
    ) { id in
      live.created()
      return CountingClient(id: id, live: live)
    }
    let strategy = FedAvg(
      fractionFit: fraction, fractionEvaluate: fraction, minFitClients: 1, minEvaluateClients: 1,
      minAvailableClients: 1,
      initialParameters: Self.model, evaluateMetricsAggregation: Aggregation.weightedMetricAverage("accuracy")
    )
    return await sim.run(strategy: strategy, rounds: rounds)
  }

  @Test("a million clients cost only the sampled ones")
  func millionClients() async {
    let live = LiveCounter()
    let (history, _) = await run(clients: 1_000_000, fraction: 0.00005, rounds: 2, live: live)
    // 50 fit + 50 evaluate calls per round, each creating its client on demand.
    #expect(live.createdCount == 200)
    #expect(history.lossesDistributed.count == 2)
  }

  @Test("never more clients at once than the concurrency limit")
  func boundedConcurrency() async {
    let live = LiveCounter()
    _ = await run(clients: 200, fraction: 0.5, rounds: 1, concurrency: 3, live: live)
    #expect(live.peak <= 3)
    #expect(live.peak >= 2, "clients should run in parallel up to the limit")
  }

  @Test("the same seed gives an identical history and model; another seed differs")
  func deterministic() async {
    let a = await run(clients: 300, fraction: 0.1, rounds: 3, concurrency: 4, seed: 5)
    let b = await run(clients: 300, fraction: 0.1, rounds: 3, concurrency: 4, seed: 5)
    let c = await run(clients: 300, fraction: 0.1, rounds: 3, concurrency: 4, seed: 6)
    #expect(a.0.jsonData(includeTimings: false) == b.0.jsonData(includeTimings: false))
    #expect(a.1 == b.1)
    #expect(a.1 != c.1)
  }

  @Test("dropouts are recorded as failures and rounds go on")
  func dropout() async {
    let (history, params) = await run(clients: 100, fraction: 0.5, rounds: 2, dropout: 0.3)
    #expect(!history.failures.isEmpty)
    #expect(history.failures.allSatisfy { $0.reason.contains("dropped out") })
    #expect(history.lossesDistributed.count == 2)
    #expect(params != Self.model)
  }

  @Test("serialising through the wire codec changes nothing but the cost")
  func serialization() async {
    let plain = await run(clients: 50, fraction: 0.2, rounds: 2, seed: 3)
    let wired = await run(clients: 50, fraction: 0.2, rounds: 2, seed: 3, serialize: true)
    #expect(plain.0.jsonData(includeTimings: false) == wired.0.jsonData(includeTimings: false))
    #expect(plain.1 == wired.1)
  }

  @Test("report.html has both plots and the settings")
  func report() throws {
    var h = History()
    for r in 0...3 {
      h.addLossCentralized(round: r, loss: 2.0 / Double(r + 1))
      h.addMetricsCentralized(round: r, metrics: ["accuracy": .double(0.2 * Double(r))])
    }
    let html = RunReport(title: "t", history: h, settings: [("clients", "100")]).html()
    #expect(html.contains("id=\"accuracy-plot\""))
    #expect(html.contains("id=\"loss-plot\""))
    #expect(html.components(separatedBy: "class=\"series\"").count - 1 >= 2)
    #expect(html.contains("<th>clients</th><td>100</td>"))
  }

  @Test("a run directory round-trips: report rebuilt from history.json")
  func runDirectory() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pollen-run-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    var h = History()
    h.addLossDistributed(round: 1, loss: 0.5)
    h.addMetricsCentralized(round: 1, metrics: ["accuracy": 0.75])
    try RunDirectory(dir).write(history: h, parameters: Self.model, settings: [("seed", "1")], title: "demo")
    let reread = try History(jsonData: Data(contentsOf: dir.appendingPathComponent("history.json")))
    #expect(reread == h)
    let npz = try NPZ.decode(Data(contentsOf: dir.appendingPathComponent("parameters.npz")))
    #expect(npz.map(\.name) == ["arr_0", "arr_1"])
    #expect(npz.map(\.array) == Self.model.tensors)
    try FileManager.default.removeItem(at: dir.appendingPathComponent("report.html"))
    try RunDirectory(dir).rebuildReport()
    let page = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(page.contains("<title>demo</title>") && page.contains("loss-plot"))
  }
}

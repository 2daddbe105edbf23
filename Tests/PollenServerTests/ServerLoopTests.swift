import Foundation
import PollenCore
import PollenServer
import PollenTesting
import Synchronization
import Testing

@Suite("Server round loop")
struct ServerLoopTests {
  static let model = [NDArray([Float](repeating: 0, count: 6), shape: [2, 3]), NDArray([Float(0), 0])]

  func manager(_ clients: [ScriptedClient]) async -> SimpleClientManager {
    let m = SimpleClientManager(seed: 7)
    for (i, c) in clients.enumerated() { await m.register(InProcessClientProxy(cid: "c\(i)", client: c)) }
    return m
  }

  @Test("three rounds of FedAvg: weighted average, losses and metrics recorded")
  func threeRounds() async throws {
    let m = await manager([
      ScriptedClient(
        fit: .addDelta(1, numExamples: 10), loss: 1.0, evaluateExamples: 10,
        evaluateMetrics: ["accuracy": 0.5]),
      ScriptedClient(
        fit: .addDelta(4, numExamples: 30), loss: 2.0, evaluateExamples: 30,
        evaluateMetrics: ["accuracy": 0.9]),
    ])
    let strategy = FedAvg(
      initialParameters: Parameters(tensors: Self.model),
      evaluateMetricsAggregation: Aggregation.weightedMetricAverage("accuracy"))
    var server = Server(clientManager: m, strategy: strategy, config: ServerConfig(numRounds: 3))
    let history = await server.fit()
    // Each round adds (10·1 + 30·4) / 40 = 3.25.
    for t in server.parameters.tensors { #expect(t.doubles().allSatisfy { abs($0 - 9.75) < 1e-6 }) }
    #expect(history.lossesDistributed.map(\.round) == [1, 2, 3])
    #expect(history.lossesDistributed.allSatisfy { abs($0.loss - 1.75) < 1e-12 })
    let acc = try #require(history.metricsDistributed["accuracy"])
    #expect(acc.count == 3 && abs(acc[0].value.doubleValue! - 0.8) < 1e-12)
    #expect(history.lossesCentralized.isEmpty)
    #expect(history.failures.isEmpty)
  }

  @Test("failures of every kind are recorded and the round goes on with the others")
  func failuresAreData() async throws {
    let nan = [NDArray([Float.nan, 0, 0, 0, 0, 0], shape: [2, 3]), NDArray([Float(0), 0])]
    let wrongShape = [NDArray([Float](repeating: 0, count: 6), shape: [3, 2]), NDArray([Float(0), 0])]
    let m = await manager([
      ScriptedClient(fit: .addDelta(2, numExamples: 5)),
      ScriptedClient(fit: .fail),
      ScriptedClient(fit: .notImplemented),
      ScriptedClient(fit: .reply(parameters: nan, numExamples: 5)),
      ScriptedClient(fit: .reply(parameters: wrongShape, numExamples: 5)),
      ScriptedClient(fit: .reply(parameters: [Self.model[0]], numExamples: 5)),
      ScriptedClient(fit: .sleep(.seconds(3600), then: .addDelta(100, numExamples: 5))),
    ])
    var server = Server(
      clientManager: m,
      strategy: FedAvg(fractionEvaluate: 0, initialParameters: Parameters(tensors: Self.model)),
      config: ServerConfig(numRounds: 1, roundTimeout: .seconds(5)))
    let start = ContinuousClock.now
    let history = await server.fit()
    #expect(
      ContinuousClock.now - start < .seconds(300), "the slow client (an hour) must be cut off by the timeout")
    for t in server.parameters.tensors { #expect(t.doubles().allSatisfy { $0 == 2 }) }
    let reasons = history.failures.map(\.reason).joined(separator: "\n")
    #expect(history.failures.count == 6)  // another dtype is not a failure (MixedDTypeTests)
    #expect(reasons.contains("scripted failure"))
    #expect(reasons.contains("fitNotImplemented"))
    #expect(reasons.contains("NaN"))
    #expect(reasons.contains("expected shape [2, 3], got [3, 2]"))
    #expect(reasons.contains("expected 2 tensors, got 1"))
    #expect(reasons.contains("timeout"))
  }

  @Test("initial parameters come from one client when the strategy has none; round 0 is evaluated centrally")
  func initialFromClient() async throws {
    let m = await manager([
      ScriptedClient(fit: .addDelta(1, numExamples: 1), initialParameters: Self.model),
      ScriptedClient(fit: .addDelta(1, numExamples: 1), initialParameters: Self.model),
    ])
    let evaluations = Counter()
    let strategy = FedAvg(evaluateFn: { round, params, _ in
      evaluations.increment()
      return (Double(round), ["sum": .double(params.flatMap { $0.doubles() }.reduce(0, +))])
    })
    var server = Server(clientManager: m, strategy: strategy, config: ServerConfig(numRounds: 2))
    let history = await server.fit()
    #expect(history.lossesCentralized.map(\.round) == [0, 1, 2])
    #expect(history.metricsCentralized["sum"]!.map { $0.value.doubleValue! } == [0, 8, 16])
    #expect(evaluations.value == 3)
  }

  @Test("a client that vanishes instead of giving initial parameters is passed over for another")
  func initialFromAnotherClientWhenOneVanishes() async throws {
    let m = SimpleClientManager(seed: 7)
    for i in 0..<3 { await m.register(VanishingProxy(cid: "gone\(i)")) }
    await m.register(
      InProcessClientProxy(
        cid: "good",
        client: ScriptedClient(
          fit: .addDelta(1, numExamples: 1), initialParameters: [NDArray([Float(1), 2, 3])])))
    var strategy = FedAvg(
      fractionFit: 0, fractionEvaluate: 0,
      evaluateFn: { _, params, _ in (0, ["sum": .double(params.flatMap { $0.doubles() }.reduce(0, +))]) })
    strategy.minFitClients = 1
    var server = Server(clientManager: m, strategy: strategy, config: ServerConfig(numRounds: 1))
    let history = await server.fit()
    #expect(history.metricsCentralized["sum"]?.first?.value.doubleValue == 6)
  }

  @Test("no clients selected skips the round without crashing")
  func noClients() async {
    let m = SimpleClientManager(seed: 1, sampleWaitTimeout: .milliseconds(50))
    var server = Server(
      clientManager: m, strategy: FedAvg(initialParameters: Parameters(tensors: Self.model)),
      config: ServerConfig(numRounds: 2))
    let history = await server.fit()
    #expect(history.lossesDistributed.isEmpty)
    #expect(server.parameters == Parameters(tensors: Self.model))
  }

  @Test("sampling is reproducible for a seed and never repeats a client")
  func seededSampling() async {
    func draw(_ seed: UInt64) async -> [String] {
      let m = SimpleClientManager(seed: seed)
      for i in 0..<50 {
        await m.register(InProcessClientProxy(cid: "c\(i)", client: ScriptedClient(fit: .fail)))
      }
      return await m.sample(numClients: 10).map(\.cid)
    }
    let a = await draw(3)
    #expect(a == (await draw(3)))
    #expect(Set(a).count == 10)
    #expect(a != (await draw(4)))
  }

  @Test("history.json has Flower's five series")
  func historyJSON() throws {
    var h = History()
    h.addLossDistributed(round: 1, loss: 0.5)
    h.addLossCentralized(round: 0, loss: 2)
    h.addMetricsDistributed(round: 1, metrics: ["accuracy": 0.75])
    h.addMetricsDistributedFit(round: 1, metrics: ["loss": 0.25])
    let json = try JSONSerialization.jsonObject(with: h.jsonData()) as! [String: Any]
    #expect((json["losses_distributed"] as! [[Double]]) == [[1, 0.5]])
    #expect((json["losses_centralized"] as! [[Double]]) == [[0, 2]])
    #expect(((json["metrics_distributed"] as! [String: Any])["accuracy"] as! [[Double]]) == [[1, 0.75]])
    #expect(((json["metrics_distributed_fit"] as! [String: Any])["loss"] as! [[Double]]) == [[1, 0.25]])
    #expect((json["metrics_centralized"] as! [String: Any]).isEmpty)
  }
}

/// A thread-safe counter for tests.
final class Counter: Sendable {
  private let storage = Mutex(0)
  func increment() { storage.withLock { $0 += 1 } }
  var value: Int { storage.withLock { $0 } }
}

/// A client whose every call fails as if its connection had dropped.
private final class VanishingProxy: ClientProxy {
  let cid: String
  init(cid: String) { self.cid = cid }
  private func gone() -> PollenError { PollenError(.disconnected, "client \(cid) vanished") }
  func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    throw gone()
  }
  func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    throw gone()
  }
  func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes { throw gone() }
  func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes { throw gone() }
  func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes { throw gone() }
}

import Foundation
import PollenCore
import PollenPrivacy
import PollenServer
import PollenStore
import PollenTesting
import Testing

/// A recorder that saves into a store and then "crashes" (throws) when asked to save `crashAt`.
struct CrashingRecorder: RunRecorder {
  let store: RunStore
  let crashAt: Int
  struct Crash: Error {}
  func record(_ checkpoint: RunCheckpoint) throws {
    if checkpoint.round == crashAt { throw Crash() }
    try store.record(checkpoint)
  }
  func finish(rounds: Int) throws { try store.finish(rounds: rounds) }
}

@Suite("Resume through a run store")
struct RunStoreResumeTests {
  static let model = [
    NDArray([Float](repeating: 0, count: 6), shape: [2, 3]), NDArray([Float](repeating: 1, count: 2)),
  ]
  static let settings = RunSettings([("strategy", "test"), ("rounds", "6")])

  /// Eight clients with different deltas; sampling half of them makes the sampler's state matter.
  func manager() async -> SimpleClientManager {
    let m = SimpleClientManager(seed: 11)
    for i in 0..<8 {
      await m.register(
        InProcessClientProxy(
          cid: "c\(i)",
          client: ScriptedClient(fit: .addDelta(Float(i) - 3.5, numExamples: 10 + i), loss: Double(i))))
    }
    return m
  }

  static func strategies() throws -> [(String, @Sendable () throws -> any Strategy)] {
    let base = FedAvg(
      fractionFit: 0.5, fractionEvaluate: 0.5, initialParameters: Parameters(tensors: model),
      evaluateMetricsAggregation: Aggregation.weightedNumericMetricAverages)
    return [
      ("fedavgm", { FedAvgM(fedAvg: base, serverLearningRate: 0.7, serverMomentum: 0.9) }),
      ("fedadam", { FedAdam(fedAvg: base) }),
      ("fedyogi", { FedYogi(fedAvg: base) }),
      (
        "dp-fixed(fedavgm)",
        {
          try DifferentialPrivacyServerSideFixedClipping(
            FedAvgM(fedAvg: base, serverMomentum: 0.5), noiseMultiplier: 0.3, clippingNorm: 2,
            numSampledClients: 4,
            seed: 5)
        }
      ),
      ("fedfs", { FedFS(fedAvg: base, fastTimeout: 10, slowTimeout: 20, seed: 3) }),
    ]
  }

  func temporaryStore(_ name: String) -> String {
    TemporaryPaths.path("store-\(name)", suffix: ".db").path
  }

  @Test("a run stopped after round 3 and resumed from its store equals an uninterrupted run")
  func resumeEqualsUninterrupted() async throws {
    for (name, make) in try Self.strategies() {
      let config = ServerConfig(numRounds: 6, deterministicOrder: true)
      var straight = Server(clientManager: await manager(), strategy: try make(), config: config)
      let straightStore = try RunStore.create(at: temporaryStore("a"), kind: "test", settings: Self.settings)
      let expected = try await straight.run(recorder: straightStore)

      let path = temporaryStore("b")
      var first = Server(clientManager: await manager(), strategy: try make(), config: config)
      let store = try RunStore.create(at: path, kind: "test", settings: Self.settings)
      await #expect(throws: CrashingRecorder.Crash.self) {
        _ = try await first.run(recorder: CrashingRecorder(store: store, crashAt: 4))
      }
      try store.close()

      let (reopened, checkpoint) = try RunStore.resume(at: path, kind: "test", settings: Self.settings)
      #expect(checkpoint?.round == 3, "\(name)")
      var second = Server(clientManager: await manager(), strategy: try make(), config: config)
      let resumed = try await second.run(resumingFrom: checkpoint, recorder: reopened)

      #expect(resumed == expected, "\(name): histories differ")
      #expect(resumed.failures.count == expected.failures.count, "\(name)")
      #expect(second.parameters == straight.parameters, "\(name): parameters differ")
      #expect(resumed.timings.map(\.round) == Array(1...6), "\(name)")
      // What the store holds after the resumed run is the whole run, and it is finished.
      let summary = try RunStore.inspect(at: path)
      #expect(summary.finishedRounds == 6)
      #expect(summary.checkpoint?.history == expected, "\(name): the stored history is the whole run")
      #expect(summary.checkpoint?.parameters == straight.parameters)
    }
  }

  @Test("without the strategy's state a resumed FedAdam run would differ (the state matters)")
  func strategyStateMatters() async throws {
    let make = try Self.strategies().first { $0.0 == "fedadam" }!.1
    let config = ServerConfig(numRounds: 6, deterministicOrder: true)
    var straight = Server(clientManager: await manager(), strategy: try make(), config: config)
    _ = try await straight.run()
    let path = temporaryStore("c")
    var first = Server(clientManager: await manager(), strategy: try make(), config: config)
    let store = try RunStore.create(at: path, kind: "test", settings: Self.settings)
    _ = try? await first.run(recorder: CrashingRecorder(store: store, crashAt: 4))
    var checkpoint = try #require(
      try RunStore.resume(at: path, kind: "test", settings: Self.settings).checkpoint)
    #expect(!checkpoint.strategyState.isEmpty)
    #expect(checkpoint.samplerState?.count == 4)
    checkpoint.strategyState = .empty
    var second = Server(clientManager: await manager(), strategy: try make(), config: config)
    _ = try await second.run(resumingFrom: checkpoint)
    #expect(second.parameters != straight.parameters)
  }
}

import Foundation
import PollenCore
import PollenServer
import PollenTesting
import Synchronization
import Testing

@Suite("Round timings")
struct TimingsTests {
  @Test(
    "the server records each round's phases and tensor bytes; history.json carries them beside Flower's series"
  )
  func recordedAndSerialised() async throws {
    let model = [NDArray([Float](repeating: 0, count: 100), shape: [10, 10])]
    let m = SimpleClientManager(seed: 1)
    for i in 0..<3 {
      await m.register(
        InProcessClientProxy(cid: "c\(i)", client: ScriptedClient(fit: .addDelta(1, numExamples: 5))))
    }
    var server = Server(
      clientManager: m, strategy: FedAvg(initialParameters: Parameters(tensors: model)),
      config: ServerConfig(numRounds: 3))
    let history = try await server.run()
    #expect(history.timings.map(\.round) == [1, 2, 3])
    for t in history.timings {
      // 3 fit instructions and 3 evaluate instructions of 400 bytes out, 3 fit results of 400 bytes in.
      #expect(t.bytesSent == 6 * 400)
      #expect(t.bytesReceived == 3 * 400)
      #expect(t.fitSeconds >= 0 && t.roundSeconds >= t.fitSeconds + t.evaluateSeconds)
    }
    let json = try #require(try JSONSerialization.jsonObject(with: history.jsonData()) as? [String: Any])
    let timings = try #require(json["timings"] as? [String: [[Double]]])
    #expect(
      timings.keys.sorted() == [
        "aggregate_seconds", "bytes_received", "bytes_sent", "central_evaluate_seconds", "evaluate_seconds",
        "fit_seconds", "round_seconds",
      ])
    #expect(timings["bytes_sent"]! == [[1, 2400], [2, 2400], [3, 2400]])
    let decoded = try History(jsonData: history.jsonData()).timings
    #expect(decoded.map(\.round) == history.timings.map(\.round))
    for (d, t) in zip(decoded, history.timings) {
      #expect(d.bytesSent == t.bytesSent && d.bytesReceived == t.bytesReceived)
      #expect(zip(d.fields, t.fields).allSatisfy { abs($0.value - $1.value) <= 1e-9 * max(1, abs($1.value)) })
    }
    let plain = try #require(
      try JSONSerialization.jsonObject(with: history.jsonData(includeTimings: false)) as? [String: Any])
    #expect(plain["timings"] == nil)
    #expect(plain.keys.sorted() == json.keys.sorted().filter { $0 != "timings" })
  }

  @Test("a cancelled run abandons the round in progress and keeps the completed ones")
  func cancellation() async throws {
    let m = SimpleClientManager(seed: 1)
    for i in 0..<2 {
      await m.register(
        InProcessClientProxy(cid: "c\(i)", client: ScriptedClient(fit: .addDelta(1, numExamples: 5))))
    }
    let reached = ReachedFlag()
    let slow = SlowAfter(round: 3, reached: reached)
    var strategy = FedAvg(
      fractionEvaluate: 0, initialParameters: Parameters(tensors: [NDArray([Float](repeating: 0, count: 4))]))
    strategy.onFitConfig = { round in ["server_round": .int(Int64(round))] }
    await m.register(InProcessClientProxy(cid: "slow", client: slow))
    let server = Server(clientManager: m, strategy: strategy, config: ServerConfig(numRounds: 10))
    let task = Task {
      var s = server
      let h = try await s.run()
      return (h, s.parameters)
    }
    // Cancel once round 3 is under way (its slow client has been called).
    let deadline = ContinuousClock.now.advanced(by: .seconds(60))
    while !reached.isSet, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    #expect(reached.isSet)
    try await Task.sleep(for: .milliseconds(50))
    task.cancel()
    let (history, parameters) = try await task.value
    #expect(history.timings.map(\.round) == [1, 2], "rounds 1 and 2 completed, round 3 was abandoned")
    #expect(
      history.metricsDistributedFit.isEmpty
        || history.metricsDistributedFit.values.allSatisfy { $0.count <= 2 })
    #expect(parameters.tensors[0].doubles() == [2, 2, 2, 2], "round 3's partial results were not aggregated")
  }
}

/// A client that adds 1 in rounds before `round` and never answers from `round` on (until cancelled).
/// Set once, read from tests.
final class ReachedFlag: Sendable {
  private let flag = Mutex(false)
  func set() { flag.withLock { $0 = true } }
  var isSet: Bool { flag.withLock { $0 } }
}

struct SlowAfter: Client {
  let round: Int
  let reached: ReachedFlag
  func getParameters(_ ins: GetParametersIns) async throws -> GetParametersRes {
    GetParametersRes(status: .ok, parameters: .empty)
  }
  func fit(_ ins: FitIns) async throws -> FitRes {
    if (ins.config["server_round"]?.intValue ?? 0) >= round {
      reached.set()
      try await Task.sleep(for: .seconds(3600))
    }
    let t = ins.parameters.tensors.map { NDArray($0.scalars(as: Float.self).map { $0 + 1 }, shape: $0.shape) }
    return FitRes(status: .ok, parameters: Parameters(tensors: t), numExamples: 5, metrics: [:])
  }
  func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes {
    EvaluateRes(status: .ok, loss: 0, numExamples: 1, metrics: [:])
  }
}

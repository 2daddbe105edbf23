import Foundation
import PollenCore
import PollenServer
import PollenStore
import PollenTesting
import Testing

@Suite("Run store: what it keeps and what it refuses")
struct RunStoreCheckTests {
  static let settings = RunSettings([("strategy", "fedavgm"), ("rounds", "5"), ("seed", "1")])

  func path(_ name: String) -> String {
    TemporaryPaths.path("store-\(name)", suffix: ".db").path
  }

  /// A history with every series, scalar kinds, failures, simulated time and timings.
  static func history(rounds: Int) -> History {
    var h = History()
    h.addLossCentralized(round: 0, loss: 2.5)
    h.addMetricsCentralized(round: 0, metrics: ["accuracy": .double(0.1)])
    for r in 1...rounds {
      h.addLossDistributed(round: r, loss: 1.0 / Double(r))
      h.addLossCentralized(round: r, loss: 0.1 * Double(r) + 1e-17)
      h.addMetricsDistributedFit(
        round: r,
        metrics: [
          "loss": .double(0.3), "count": .int(Int64(r)), "big": .uint(UInt64.max - 1), "ok": .bool(true),
        ])
      h.addMetricsDistributed(
        round: r, metrics: ["accuracy": .double(0.5 + Double(r) / 100), "tag": .string("r\(r)")])
      h.addMetricsCentralized(
        round: r, metrics: ["accuracy": .double(.pi / Double(r)), "raw": .bytes([1, 2, 255])])
      h.failures.append((r, "client-\(r)", "fit: timeout: no reply in 1 s"))
      h.simulatedTime.append((r, 12.25 * Double(r)))
      h.timings.append(
        RoundTiming(
          round: r, fitSeconds: 0.5, aggregateSeconds: 0.01, centralEvaluateSeconds: 0.2,
          evaluateSeconds: 0.1,
          roundSeconds: 0.9, bytesSent: 4_000_000 * r, bytesReceived: 3_999_999))
    }
    return h
  }

  func checkpoint(round: Int) -> RunCheckpoint {
    var state = StrategyState()
    state.arrays["momentum_vector"] = [NDArray([Float(round), 2, 3]), NDArray([Int64(7)], shape: [])]
    state.scalars["step"] = .int(Int64(round))
    state.set("rng", SeededRandom(seed: UInt64(round)))
    return RunCheckpoint(
      round: round, parameters: Parameters(tensors: [NDArray([Double(round), -1.5], shape: [1, 2])]),
      history: Self.history(rounds: max(round, 1)).keeping(upTo: round), strategyState: state,
      samplerState: SeededRandom(seed: 99).state)
  }

  @Test("every round's checkpoint round-trips: history rows, parameters, strategy and sampler state")
  func roundTrip() throws {
    let p = path("rt")
    let store = try RunStore.create(at: p, kind: "server", settings: Self.settings)
    for r in 0...3 { try store.record(checkpoint(round: r)) }
    try store.close()
    let summary = try RunStore.inspect(at: p)
    let expected = checkpoint(round: 3)
    let got = try #require(summary.checkpoint)
    #expect(summary.kind == "server")
    #expect(summary.settings == Self.settings)
    #expect(summary.finishedRounds == nil)
    #expect(got.round == 3)
    #expect(got.parameters == expected.parameters)
    #expect(got.strategyState == expected.strategyState)
    #expect(try got.strategyState.random("rng")?.state == SeededRandom(seed: 3).state)
    #expect(got.samplerState == expected.samplerState)
    #expect(got.history == expected.history)
    #expect(got.history.failures.map(\.cid) == expected.history.failures.map(\.cid))
    #expect(got.history.timings == expected.history.timings)
    #expect(got.history.jsonData() == expected.history.jsonData(), "the same history.json bytes")
  }

  /// The store's bytes, to show a refused store is untouched.
  func bytes(_ p: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: p)) }

  func error(_ body: () throws -> Void) -> String {
    do {
      try body()
      return ""
    } catch {
      return "\(error)"
    }
  }

  @Test("refused stores are left byte for byte as they were, each with its reason")
  func refusals() throws {
    let p = path("bad")
    let store = try RunStore.create(at: p, kind: "server", settings: Self.settings)
    try store.record(checkpoint(round: 2))
    try store.close()
    let before = try bytes(p)

    var other = Self.settings
    other.set("strategy", "fedadam")
    let differs = error { _ = try RunStore.resume(at: p, kind: "server", settings: other) }
    #expect(
      differs.contains("\"strategy\"") && differs.contains("fedavgm") && differs.contains("fedadam"),
      "\(differs)")
    var extra = Self.settings
    extra.set("lr", "0.1")
    #expect(error { _ = try RunStore.resume(at: p, kind: "server", settings: extra) }.contains("\"lr\""))
    #expect(
      error { _ = try RunStore.resume(at: p, kind: "simulate", settings: Self.settings) }.contains(
        "server run"))
    #expect(
      error { _ = try RunStore.create(at: p, kind: "server", settings: Self.settings) }.contains("--resume"))
    #expect(try bytes(p) == before)

    let missing = error { _ = try RunStore.resume(at: path("none"), kind: "server", settings: Self.settings) }
    #expect(missing.contains("no such run store"), "\(missing)")

    // A newer schema: a migration this build does not know.
    let newer = path("newer")
    try FileManager.default.copyItem(atPath: p, toPath: newer)
    try sqlite(newer, "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
    let newerBytes = try bytes(newer)
    let superseded = error { _ = try RunStore.resume(at: newer, kind: "server", settings: Self.settings) }
    #expect(superseded.contains("newer Pollen") && superseded.contains("v99-future"), "\(superseded)")
    #expect(try bytes(newer) == newerBytes)

    // Truncated and corrupted files.
    let truncated = path("truncated")
    try before.prefix(before.count / 2).write(to: URL(fileURLWithPath: truncated))
    let t = error { _ = try RunStore.resume(at: truncated, kind: "server", settings: Self.settings) }
    #expect(!t.isEmpty, "a truncated store is refused")
    #expect(try bytes(truncated) == before.prefix(before.count / 2))
    let corrupt = path("corrupt")
    var garbage = before
    for i in stride(from: 100, to: garbage.count, by: 7) { garbage[i] ^= 0x5A }
    try garbage.write(to: URL(fileURLWithPath: corrupt))
    let c = error { _ = try RunStore.resume(at: corrupt, kind: "server", settings: Self.settings) }
    #expect(!c.isEmpty, "a corrupt store is refused")
    #expect(try bytes(corrupt) == garbage)
    let text = path("text")
    try Data("not a database at all\n".utf8).write(to: URL(fileURLWithPath: text))
    #expect(!error { _ = try RunStore.resume(at: text, kind: "server", settings: Self.settings) }.isEmpty)

    // A finished run.
    let (reopened, _) = try RunStore.resume(at: p, kind: "server", settings: Self.settings)
    try reopened.finish(rounds: 5)
    try reopened.close()
    let finishedBytes = try bytes(p)
    let finished = error { _ = try RunStore.resume(at: p, kind: "server", settings: Self.settings) }
    #expect(finished.contains("already finished"), "\(finished)")
    #expect(try bytes(p) == finishedBytes)
  }

  /// Runs one SQL statement on a store with the system's sqlite3 Python module.
  func sqlite(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", "-c",
      "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit(); c.close()",
      path, sql,
    ]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0)
  }
}

extension History {
  /// The rounds up to `round`.
  func keeping(upTo round: Int) -> History {
    var h = self
    h.lossesDistributed.removeAll { $0.round > round }
    h.lossesCentralized.removeAll { $0.round > round }
    for k in h.metricsDistributedFit.keys { h.metricsDistributedFit[k]!.removeAll { $0.round > round } }
    for k in h.metricsDistributed.keys { h.metricsDistributed[k]!.removeAll { $0.round > round } }
    for k in h.metricsCentralized.keys { h.metricsCentralized[k]!.removeAll { $0.round > round } }
    h.metricsDistributedFit = h.metricsDistributedFit.filter { !$0.value.isEmpty }
    h.metricsDistributed = h.metricsDistributed.filter { !$0.value.isEmpty }
    h.metricsCentralized = h.metricsCentralized.filter { !$0.value.isEmpty }
    h.failures.removeAll { $0.round > round }
    h.simulatedTime.removeAll { $0.round > round }
    h.timings.removeAll { $0.round > round }
    return h
  }
}

import Foundation
import Testing

/// `pollen server --state … --resume` with real Flower 1.41 clients: a server SIGKILLed in the
/// middle of a round and restarted ends with the outputs of an uninterrupted run.
@Suite(.serialized) struct ServerResumeTests {
  static let rounds = 8
  static let fitDelay = 0.6

  func startServer(port: Int, state: URL, out: URL, resume: Bool) async throws -> PeerProcess {
    var arguments = [
      "--rounds", "\(Self.rounds)", "--min-clients", "3",
      "--strategy", "fedadam", "--round-timeout", "60", "--state", state.path, "--out", out.path,
    ]
    if resume { arguments.append("--resume") }
    return try await Interop.startPollenServer(
      port: port, arguments, directory: out, name: resume ? "pollen-server-resumed" : "pollen-server"
    ).server
  }

  /// Three deterministic clients that reconnect when the server goes away.
  func startClients(port: Int, in dir: URL) throws -> [PeerProcess] {
    try [(1.0, 10), (2.0, 20), (-3.0, 30)].map { delta, examples in
      try PeerProcess(
        name: "resilient-client-\(delta)", executable: Interop.python(),
        arguments: [
          Interop.script("resilient_client.py"), "--server", "127.0.0.1:\(port)", "--delta", "\(delta)",
          "--num-examples", "\(examples)", "--loss", "\(abs(delta))", "--fit-delay", "\(Self.fitDelay)",
        ], directory: dir)
    }
  }

  /// The last completed round in a store, read with `pollen runs show` (-1: none yet).
  func roundsDone(_ store: URL) async throws -> Int {
    let show = try PeerProcess(
      name: "runs-show", executable: Interop.pollen(), arguments: ["runs", "show", store.path])
    guard try await show.wait(timeout: .seconds(30)) == 0 else { return -1 }
    let out = show.output()
    guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("last completed round: ") }),
      let round = Int(line.dropFirst("last completed round: ".count))
    else { return -1 }
    return round
  }

  func run(dir: URL, killDuringRound: Int?) async throws -> URL {
    let port = try await Interop.freePort()
    let state = dir.appendingPathComponent("run.db")
    let out = dir.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    var server = try await startServer(port: port, state: state, out: out, resume: false)
    let clients = try startClients(port: port, in: dir)
    defer {
      server.kill()
      for c in clients { c.kill() }
    }
    if let killDuringRound {
      // Round k has started (its fits take fitDelay each, so it cannot have finished): kill the
      // server in the middle of it. (Watching the log, not polling the store, keeps this true
      // on a loaded machine.)
      _ = try await server.waitForOutput(containing: "[ROUND \(killDuringRound)]", timeout: .seconds(120))
      server.kill()
      #expect(try await roundsDone(state) == killDuringRound - 1, "killed during round \(killDuringRound)")
      server = try await startServer(port: port, state: state, out: out, resume: true)
      #expect(
        try await server.waitForOutput(containing: "resuming", timeout: .seconds(30)).contains("after round"))
    }
    let status = try await server.wait(timeout: .seconds(300))
    #expect(status == 0, "pollen server failed:\n\(server.output())")
    for c in clients { #expect(try await c.wait(timeout: .seconds(60)) == 0, "\(c.name):\n\(c.output())") }
    return out
  }

  /// Flower's five series, the final parameters as numpy reads them, and the failures.
  func outputs(_ out: URL) async throws -> (series: [String: Any], arrays: [String: [Double]]) {
    let data = try Data(contentsOf: out.appendingPathComponent("history.json"))
    let history = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let arrays = try await Interop.loadNPZ(out.appendingPathComponent("parameters.npz"))
    return (history, arrays.mapValues(\.values))
  }

  /// Every number in a JSON value, in order (keys sorted).
  func numbers(_ value: Any?) -> [Double] {
    switch value {
    case let n as NSNumber: return [n.doubleValue]
    case let list as [Any]: return list.flatMap { numbers($0) }
    case let object as [String: Any]: return object.keys.sorted().flatMap { numbers(object[$0]) }
    default: return []
    }
  }

  @Test func fedAdamKilledInRoundFourAndResumedEqualsAnUninterruptedRun() async throws {
    let straight = try await outputs(
      run(dir: Interop.temporaryDirectory("resume-straight"), killDuringRound: nil))
    let resumed = try await outputs(run(dir: Interop.temporaryDirectory("resume-killed"), killDuringRound: 4))

    #expect(straight.arrays.keys.sorted() == ["arr_0", "arr_1"])
    #expect(resumed.arrays.keys.sorted() == straight.arrays.keys.sorted())
    for (name, values) in straight.arrays {
      let other = resumed.arrays[name] ?? []
      #expect(other.count == values.count)
      #expect(zip(values, other).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(name): \(values) vs \(other)")
      #expect(values.contains { $0 != 0 }, "the model trained")
    }
    for key in [
      "losses_distributed", "losses_centralized", "metrics_distributed_fit", "metrics_distributed",
      "metrics_centralized",
    ] {
      let a = numbers(straight.series[key])
      let b = numbers(resumed.series[key])
      #expect(a.count == b.count, "\(key)")
      #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(key): \(a) vs \(b)")
    }
    let losses = try #require(resumed.series["losses_distributed"] as? [[Double]])
    #expect(losses.map { Int($0[0]) } == Array(1...Self.rounds))
    let timings = try #require(resumed.series["timings"] as? [String: Any])
    #expect((timings["round_seconds"] as? [[Double]])?.count == Self.rounds)
  }

  @Test func sigtermFinishesTheStoreDisconnectsClientsAndExitsZero() async throws {
    let dir = try Interop.temporaryDirectory("sigterm")
    let port = try await Interop.freePort()
    let state = dir.appendingPathComponent("run.db")
    let out = dir.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let server = try await startServer(port: port, state: state, out: out, resume: false)
    defer { server.kill() }
    // Plain Flower clients (no supervisor): ReconnectIns ends start_client normally.
    let clients = try [(1.0, 10), (2.0, 20), (-3.0, 30)].map { delta, examples in
      try PeerProcess(
        name: "client-\(delta)", executable: Interop.python(),
        arguments: [
          Interop.script("resilient_client.py"), "--server", "127.0.0.1:\(port)", "--delta", "\(delta)",
          "--num-examples", "\(examples)", "--fit-delay", "\(Self.fitDelay)", "--give-up-after", "0",
        ], directory: dir)
    }
    defer { for c in clients { c.kill() } }
    let deadline = ContinuousClock.now.advanced(by: .seconds(120))
    while try await roundsDone(state) < 2 {
      try #require(ContinuousClock.now < deadline, "no progress:\n\(server.output())")
      try await Task.sleep(for: .milliseconds(50))
    }
    try await Task.sleep(for: .milliseconds(Int64(Self.fitDelay * 400)))
    server.signal(SIGTERM)
    #expect(try await server.wait(timeout: .seconds(60)) == 0, "SIGTERM is a clean stop:\n\(server.output())")
    // On a loaded machine round 3 may finish before the signal lands: the round the server says
    // it stopped after is what the store must hold.
    let said = server.output().range(of: "stopped by signal after round ").flatMap { r in
      Int(server.output()[r.upperBound...].prefix { $0.isNumber })
    }
    let stopped = try #require(said, "\(server.output())")
    #expect(stopped >= 2)
    #expect(try await roundsDone(state) == stopped, "the store keeps the last completed round")
    for c in clients {
      #expect(
        try await c.wait(timeout: .seconds(60)) == 0, "\(c.name) was told to disconnect:\n\(c.output())")
      #expect(c.output().contains("run ended after 1 connection"), "\(c.output())")
    }
    let show = try PeerProcess(
      name: "runs-show", executable: Interop.pollen(), arguments: ["runs", "show", state.path])
    #expect(try await show.wait(timeout: .seconds(30)) == 0)
    #expect(show.output().contains("resumable: \(stopped) of 8 rounds done"), "\(show.output())")
  }
}

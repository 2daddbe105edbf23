import Foundation
import Testing

/// A round timeout costs a round one result, not the federation one client: `pollen server`
/// with two Flower 1.41 clients, one of which trains longer than the timeout in some rounds.
@Suite(.serialized) struct SlowClientTests {
  @Test func aClientThatMissesTheRoundTimeoutKeepsItsStreamAndServesLaterRounds() async throws {
    let dir = try Interop.temporaryDirectory("slow")
    let port = try await Interop.freePort()
    let server = try PeerProcess(
      name: "pollen-server", executable: Interop.pollen(),
      arguments: [
        "server", "--address", "127.0.0.1:\(port)", "--rounds", "4", "--min-clients", "2",
        "--round-timeout", "1", "--out", dir.path,
      ], directory: dir)
    defer { server.kill() }
    _ = try await server.waitForOutput(containing: "listening on 127.0.0.1:\(port)", timeout: .seconds(60))

    func client(_ name: String, slowRounds: String?) throws -> PeerProcess {
      var arguments = [Interop.script("slow_client.py"), "--server", "127.0.0.1:\(port)"]
      if let slowRounds { arguments += ["--slow-rounds", slowRounds, "--delay", "3"] }
      return try PeerProcess(name: name, executable: Interop.python(), arguments: arguments, directory: dir)
    }
    let fast = try client("flower-fast", slowRounds: nil)
    let slow = try client("flower-slow", slowRounds: "1,3")
    defer { fast.kill(); slow.kill() }

    // The slow client is alive when the server, after the last round, tells everyone to leave.
    _ = try await server.waitForOutput(containing: "sending ReconnectIns", timeout: .seconds(300))
    #expect(!slow.output().contains("Traceback"), "slow client:\n\(slow.output())")
    #expect(slow.output().contains("fit round 4"), "the slow client trained in round 4:\n\(slow.output())")

    let status = try await server.wait(timeout: .seconds(120))
    #expect(status == 0, "pollen server failed:\n\(server.output())")
    // Both clients leave because of ReconnectIns: start_client returns, exit status 0.
    #expect(try await slow.wait(timeout: .seconds(60)) == 0, "slow client:\n\(slow.output())")
    #expect(try await fast.wait(timeout: .seconds(60)) == 0, "fast client:\n\(fast.output())")
    #expect(slow.output().contains("start_client returned"), "slow client:\n\(slow.output())")
    #expect(!slow.output().contains("Traceback"), "slow client:\n\(slow.output())")
    #expect(server.output().contains("discarding stale fit_res"), "the late replies are logged as stale")

    let data = try Data(contentsOf: dir.appendingPathComponent("history.json"))
    let history = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    // The slow client is a failure (timeout) in rounds 1 and 3, and only there.
    let failures = try #require(history["failures"] as? [[Any]])
    #expect(failures.map { $0[0] as? Int } == [1, 3], "\(failures)")
    #expect(Set(failures.compactMap { $0[1] as? String }).count == 1, "one client, the slow one: \(failures)")
    for failure in failures {
      let reason = failure.last as? String ?? ""
      #expect(reason.hasPrefix("fit") && reason.contains("timeout"), "\(reason)")
    }
    // "slow" is 1 for the slow client and 0 for the fast one, with equal example counts: fit
    // aggregated the fast client alone in rounds 1 and 3 (0) and both in rounds 2 and 4 (0.5).
    let fitMetrics = try #require(history["metrics_distributed_fit"] as? [String: [[Double]]])
    #expect(fitMetrics["slow"] == [[1, 0], [2, 0.5], [3, 0], [4, 0.5]], "\(fitMetrics)")
    // Every round evaluated both clients: the slow one was waited for, not dropped.
    let evaluateMetrics = try #require(history["metrics_distributed"] as? [String: [[Double]]])
    #expect(evaluateMetrics["slow"] == [[1, 0.5], [2, 0.5], [3, 0.5], [4, 0.5]], "\(evaluateMetrics)")
    let losses = try #require(history["losses_distributed"] as? [[Double]])
    #expect(losses.map { $0[0] } == [1, 2, 3, 4])
  }
}

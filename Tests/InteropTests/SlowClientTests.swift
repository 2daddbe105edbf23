import Foundation
import Testing

/// A round timeout costs a round one result, not the federation one client: `pollen server`
/// with two Flower 1.41 clients, one of which trains longer than the timeout in some rounds.
@Suite(.serialized) struct SlowClientTests {
  @Test func aClientThatMissesTheRoundTimeoutKeepsItsStreamAndServesLaterRounds() async throws {
    let dir = try Interop.temporaryDirectory("slow")
    let port = try await Interop.freePort()
    let (server, started) = try await Interop.startPollenServer(
      port: port, ["--rounds", "4", "--min-clients", "2", "--round-timeout", "1", "--out", dir.path],
      directory: dir)
    defer { server.kill() }
    // What the CLI configures: Flower's 210 s server pings, client pings admitted every 10 s, a
    // 600 s grace period for late clients — nothing that ends a stream silent for 20 minutes.
    #expect(
      started.contains(
        "keepalive: ping after 210.0 seconds of silence (20.0 seconds to answer), client pings admitted every 10.0 seconds; a client that misses a timeout keeps its stream for up to 600.0 seconds"
      ), "\(started)")

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

  /// One round with one Flower client whose fit sleeps `delay` seconds while its channel pings
  /// every `keepaliveMilliseconds`; returns the server's history and the client.
  func silentFit(delay: Int, keepaliveMilliseconds: Int) async throws -> ([String: Any], PeerProcess, Int32) {
    let dir = try Interop.temporaryDirectory("keepalive")
    let port = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: port,
      [
        "--rounds", "1", "--min-clients", "1", "--fraction-evaluate", "0", "--round-timeout", "120", "--out",
        dir.path,
      ],
      directory: dir)
    defer { server.kill() }
    let client = try PeerProcess(
      name: "flower-pinging", executable: Interop.python(),
      arguments: [
        Interop.script("slow_client.py"), "--server", "127.0.0.1:\(port)", "--slow-rounds", "1",
        "--delay", "\(delay)", "--keepalive-ms", "\(keepaliveMilliseconds)",
      ], directory: dir)
    defer { client.kill() }
    let status = try await server.wait(timeout: .seconds(180))
    #expect(status == 0, "pollen server failed:\n\(server.output())")
    let clientStatus = try await client.wait(timeout: .seconds(60))
    let data = try Data(contentsOf: dir.appendingPathComponent("history.json"))
    let history = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return (history, client, clientStatus)
  }

  /// A Flower (gRPC C-core) client that pings every 10.5 s through a 22 s silent fit is not sent
  /// away with GOAWAY "too many pings": the server admits a client ping every 10 s.
  @Test func aFlowerClientThatPingsDuringALongFitIsNotSentAway() async throws {
    let (history, client, status) = try await silentFit(delay: 22, keepaliveMilliseconds: 10_500)
    #expect(status == 0, "client:\n\(client.output())")
    #expect(client.output().contains("start_client returned"))
    #expect(!client.output().contains("too_many_pings"), "client:\n\(client.output())")
    #expect((history["failures"] as? [Any])?.isEmpty == true, "\(history["failures"] ?? "")")
    let fit = history["metrics_distributed_fit"] as? [String: [[Double]]]
    #expect(fit?["slow"] == [[1, 1]], "the fit result was aggregated")
  }

  /// The control: the same client pinging every 2 s breaks the server's ping policy and loses its
  /// stream — so the client pings the test above sends really reach the policy.
  @Test func aFlowerClientThatPingsTooOftenIsSentAway() async throws {
    let (history, client, status) = try await silentFit(delay: 12, keepaliveMilliseconds: 2_000)
    #expect(status != 0, "the Flower client dies of the broken stream")
    #expect(client.output().contains("too_many_pings"), "client:\n\(client.output())")
    let failures = try #require(history["failures"] as? [[Any]])
    #expect(failures.count == 1 && failures.first?[0] as? Int == 1, "\(failures)")
  }
}

import Foundation
import Testing

/// Issue 13: unmodified Flower 1.41 SuperNodes (`flower-supernode --insecure`) run a Flower app
/// (`python/fleet_app`, built with `flwr build`) against `pollen server --fleet-address … --fab …`
/// over the Fleet API, with Pollen's FedAvg as the strategy.
///
/// The app's `train` adds `increment` (1.0) to every array and reports `train_loss` = 1 + p and
/// `num-examples` = 10 + 20 p for partition p; `evaluate` reports the arrays' mean as
/// `eval_loss`, `eval_acc` = 0.5 + 0.25 p and the same `num-examples`.
@Suite(.serialized) struct FleetInteropTests {
  /// The initial model: `w` = [[0, 1, 2], [3, 4, 5]] (float32), `b` = [0.5, -1, 2] (float64).
  static let initialW: [Double] = [0, 1, 2, 3, 4, 5]
  static let initialB: [Double] = [0.5, -1, 2]

  private func startServer(
    dir: URL, fab: URL, npz: URL, rounds: Int, extra: [String] = []
  ) async throws -> (server: PeerProcess, fleetPort: Int, startup: String) {
    let grpcPort = try await Interop.freePort()
    let fleetPort = try await Interop.freePort()
    let (server, startup) = try await Interop.startPollenServer(
      port: grpcPort,
      [
        "--fleet-address", "127.0.0.1:\(fleetPort)", "--fab", fab.path, "--initial-parameters", npz.path,
        "--rounds", "\(rounds)", "--min-clients", "2", "--out", dir.path,
      ] + extra, directory: dir)
    return (server, fleetPort, startup)
  }

  @Test func twoSuperNodesTrainThreeRoundsOfFedAvg() async throws {
    let dir = try Interop.temporaryDirectory("fleet")
    let fab = try await Interop.buildFleetApp(in: dir)
    let npz = dir.appendingPathComponent("initial.npz")
    try await Interop.writeFleetInitialParameters(to: npz)
    let (server, fleetPort, startup) = try await startServer(dir: dir, fab: fab, npz: npz, rounds: 3)
    defer { server.kill() }
    #expect(startup.contains("fleet api listening on 127.0.0.1:\(fleetPort)"), "\(startup)")
    #expect(startup.contains("app pollen/pollenapp 1.0.0"), "\(startup)")
    var nodes: [Interop.SuperNode] = []
    defer { for node in nodes { node.kill() } }
    for partition in 0..<2 {
      nodes.append(
        try await Interop.startSuperNode(
          name: "supernode-\(partition)", fleetPort: fleetPort, partition: partition, directory: dir))
    }
    let status = try await server.wait(timeout: .seconds(300))
    let logs = nodes.map { "\($0.name):\n\($0.output())" }.joined(separator: "\n")
    try #require(status == 0, "\(server.output())\n\(logs)")
    let history = try Interop.history(in: dir)
    #expect((history["failures"] as? [Any])?.isEmpty == true, "\(history)")
    // Three rounds of distributed evaluation: the mean of the arrays after each round's +1.
    let losses = try #require(history["losses_distributed"] as? [[Double]])
    let mean = (Self.initialW + Self.initialB).reduce(0, +) / 9
    #expect(losses.map { $0[0] } == [1, 2, 3])
    for (index, entry) in losses.enumerated() { #expect(abs(entry[1] - (mean + Double(index + 1))) < 1e-6) }
    // Metrics are weighted by num-examples (10 and 30): train_loss (1·10 + 2·30) / 40 = 1.75.
    let fit = try #require(history["metrics_distributed_fit"] as? [String: [[Double]]])
    #expect(fit["train_loss"]?.map { $0[1] } == [1.75, 1.75, 1.75], "\(fit)")
    let evaluate = try #require(history["metrics_distributed"] as? [String: [[Double]]])
    #expect(evaluate["eval_acc"]?.map { $0[1] } == [0.6875, 0.6875, 0.6875], "\(evaluate)")
    // The final model is the initial one plus 3 (each round's weighted mean of +1), dtypes kept.
    let arrays = try await Interop.loadNPZ(dir.appendingPathComponent("parameters.npz"))
    let w = try #require(arrays["arr_0"])
    let b = try #require(arrays["arr_1"])
    #expect(w.dtype == "float32" && w.shape == [2, 3] && b.dtype == "float64" && b.shape == [3])
    for (got, want) in zip(w.values + b.values, Self.initialW + Self.initialB) {
      #expect(abs(got - (want + 3)) < 1e-6)
    }
    // The SuperNodes ran the unmodified ClientApp of the served FAB.
    for node in nodes { #expect(node.output().contains("Sent successfully"), "\(node.output())") }
  }

  @Test func aSuperNodeAndALegacyClientShareTheRounds() async throws {
    let dir = try Interop.temporaryDirectory("fleet-mixed")
    let fab = try await Interop.buildFleetApp(in: dir)
    let npz = dir.appendingPathComponent("initial.npz")
    try await Interop.writeFleetInitialParameters(to: npz)
    let grpcPort = try await Interop.freePort()
    let fleetPort = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: grpcPort,
      [
        "--fleet-address", "127.0.0.1:\(fleetPort)", "--fab", fab.path, "--initial-parameters", npz.path,
        "--rounds", "2", "--min-clients", "2", "--run-config", "increment=0.5", "--out", dir.path,
      ], directory: dir)
    defer { server.kill() }
    let node = try await Interop.startSuperNode(
      name: "supernode", fleetPort: fleetPort, partition: 0, directory: dir)
    defer { node.kill() }
    // numpy_client.py's fit adds delta × (i + 1) to array i: with delta 1 and 10 examples, as
    // many as partition 0 of the app reports.
    let legacy = try PeerProcess(
      name: "legacy-client", executable: Interop.python(),
      arguments: [
        Interop.script("numpy_client.py"), "--server", "127.0.0.1:\(grpcPort)", "--delta", "1",
        "--num-examples", "10",
      ], directory: dir)
    defer { legacy.kill() }
    let status = try await server.wait(timeout: .seconds(300))
    try #require(status == 0, "\(server.output())\nsupernode:\n\(node.output())\nlegacy:\n\(legacy.output())")
    let history = try Interop.history(in: dir)
    #expect((history["failures"] as? [Any])?.isEmpty == true, "\(history)")
    #expect((history["losses_distributed"] as? [[Double]])?.count == 2, "\(history)")
    // `--run-config increment=0.5` overrides the app's 1.0, so each round w gets (0.5 + 1) / 2 =
    // 0.75 and b gets (0.5 + 2) / 2 = 1.25.
    let arrays = try await Interop.loadNPZ(dir.appendingPathComponent("parameters.npz"))
    let w = try #require(arrays["arr_0"])
    let b = try #require(arrays["arr_1"])
    for (got, want) in zip(w.values, Self.initialW) { #expect(abs(got - (want + 1.5)) < 1e-6) }
    for (got, want) in zip(b.values, Self.initialB) { #expect(abs(got - (want + 2.5)) < 1e-6) }
    #expect(node.output().contains("Sent successfully"))
  }

  @Test func aSuperNodeKilledMidRoundIsAFailureAndANewNodeJoinsLaterRounds() async throws {
    let dir = try Interop.temporaryDirectory("fleet-kill")
    let fab = try await Interop.buildFleetApp(in: dir)
    let npz = dir.appendingPathComponent("initial.npz")
    try await Interop.writeFleetInitialParameters(to: npz)
    let (server, fleetPort, _) = try await startServer(dir: dir, fab: fab, npz: npz, rounds: 3)
    defer { server.kill() }
    let steady = try await Interop.startSuperNode(
      name: "supernode-steady", fleetPort: fleetPort, partition: 0, directory: dir)
    defer { steady.kill() }
    let doomed = try await Interop.startSuperNode(
      name: "supernode-doomed", fleetPort: fleetPort, partition: 1, directory: dir)
    defer { doomed.kill() }
    _ = try await server.waitForOutput(containing: "[ROUND 2]", timeout: .seconds(180))
    doomed.kill()  // SIGKILL (and its ClientApp runtime): no deactivate; offline once heartbeats stop
    let replacement = try await Interop.startSuperNode(
      name: "supernode-replacement", fleetPort: fleetPort, partition: 1, directory: dir)
    defer { replacement.kill() }
    let status = try await server.wait(timeout: .seconds(400))
    try #require(status == 0, "\(server.output())\nreplacement:\n\(replacement.output())")
    let history = try Interop.history(in: dir)
    let failures = try #require(history["failures"] as? [[Any]])
    #expect(failures.contains { ($0.first as? Int) == 2 }, "\(failures)")
    #expect(failures.allSatisfy { ($0.first as? Int) == 2 }, "\(failures)")
    #expect((history["losses_distributed"] as? [[Double]])?.count == 3, "\(history)")
    #expect(server.output().contains("went offline"), "\(server.output())")
    #expect(replacement.output().contains("Sent successfully"), "\(replacement.output())")
  }
}

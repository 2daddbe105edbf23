import Foundation
import PollenCore
import Testing

/// `pollen server --auth-keys` with real processes: `pollen client --auth-key`, Flower 1.41's
/// own header code (`python/auth_probe.py`) and a plain Flower client.
@Suite(.serialized) struct NodeAuthInteropTests {
  /// `pollen keygen --out DIR/NAME`: the key directory and its public-key line.
  func keygen(_ name: String, in dir: URL) async throws -> (key: String, publicLine: String) {
    let keys = dir.appendingPathComponent(name)
    let process = try PeerProcess(
      name: "keygen-\(name)", executable: Interop.pollen(), arguments: ["keygen", "--out", keys.path],
      directory: dir)
    #expect(try await process.wait(timeout: .seconds(60)) == 0, "\(process.output())")
    let key = keys.appendingPathComponent("node_key").path
    let attributes = try FileManager.default.attributesOfItem(atPath: key)
    #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    let line = try String(contentsOfFile: key + ".pub", encoding: .utf8)
    return (key, line)
  }

  /// Runs the probe and returns its one-line verdict.
  func probe(port: Int, _ arguments: [String], in dir: URL) async throws -> String {
    let process = try PeerProcess(
      name: "auth-probe", executable: Interop.python(),
      arguments: [Interop.script("auth_probe.py"), "--server", "127.0.0.1:\(port)"] + arguments,
      directory: dir)
    #expect(try await process.wait(timeout: .seconds(60)) == 0, "\(process.output())")
    return process.output().split(separator: "\n").last.map(String.init) ?? ""
  }

  func pollenClient(port: Int, key: String, partition: String, in dir: URL) throws -> PeerProcess {
    try PeerProcess(
      name: "pollen-client-\(partition.prefix(1))", executable: Interop.pollen(),
      arguments: [
        "client", "--server", "127.0.0.1:\(port)", "--dataset", "digits", "--partition", partition,
        "--auth-key", key, "--max-wait-time", "120",
      ],
      directory: dir)
  }

  @Test func onlyAuthorisedFreshUnreplayedNodesAreAdmitted() async throws {
    let dir = try Interop.temporaryDirectory("auth")
    let alice = try await keygen("alice", in: dir)
    let mallory = try await keygen("mallory", in: dir)
    let keys = dir.appendingPathComponent("authorized_keys")
    try ("# the federation's nodes\n" + alice.publicLine).write(to: keys, atomically: true, encoding: .utf8)
    let port = try await Interop.freePort()
    let (server, startup) = try await Interop.startPollenServer(
      port: port,
      [
        "--rounds", "1", "--min-clients", "3", "--auth-keys", keys.path, "--out", dir.path,
      ],
      directory: dir)
    defer { server.kill() }
    #expect(startup.contains("node authentication on: 1 key(s)"))

    // Refused before registration, each for its reason (headers made by Flower's own code).
    #expect(
      try await probe(port: port, ["--key", mallory.key], in: dir).hasPrefix("REFUSED UNAUTHENTICATED"))
    #expect(
      try await probe(port: port, ["--key", alice.key, "--bad-signature"], in: dir).hasPrefix(
        "REFUSED UNAUTHENTICATED"))
    #expect(
      try await probe(port: port, ["--key", alice.key, "--age", "600"], in: dir).hasPrefix(
        "REFUSED UNAUTHENTICATED"))
    // Alice's real headers are admitted once; the same headers again are a replay.
    let saved = dir.appendingPathComponent("headers.json").path
    #expect(try await probe(port: port, ["--key", alice.key, "--save", saved], in: dir) == "ADMITTED")
    #expect(try await probe(port: port, ["--replay", saved], in: dir).hasPrefix("REFUSED UNAUTHENTICATED"))
    // A plain Flower 1.41 client (no headers) is refused too.
    let flower = try PeerProcess(
      name: "flower-client", executable: Interop.python(),
      arguments: [
        Interop.script("numpy_client.py"), "--server", "127.0.0.1:\(port)", "--delta", "1", "--num-examples",
        "1",
      ],
      directory: dir)
    #expect(try await flower.wait(timeout: .seconds(120)) != 0, "a plain Flower client must not be served")
    let log = try await server.waitForOutput(containing: "missing", timeout: .seconds(30))
    for reason in ["unknown key (key ", "bad signature", "stale timestamp", "replay"] {
      #expect(log.contains("refused a stream from ipv4:127.0.0.1:"), "\(reason)")
      #expect(log.contains(reason), "the server logs the reason: \(reason)")
    }
    #expect(
      log.components(separatedBy: " joined from ").count == 2, "only the admitted probe became a client")
    server.signal(SIGTERM)
    _ = try await server.wait(timeout: .seconds(60))
  }

  @Test func authorisedPollenClientsTrainAndSighupAddsAKeyWithoutARestart() async throws {
    let dir = try Interop.temporaryDirectory("auth-train")
    let alice = try await keygen("alice", in: dir)
    let carol = try await keygen("carol", in: dir)
    let keys = dir.appendingPathComponent("authorized_keys")
    try alice.publicLine.write(to: keys, atomically: true, encoding: .utf8)
    let port = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: port,
      [
        "--rounds", "2", "--min-clients", "2", "--round-timeout", "120", "--fraction-evaluate", "0",
        "--auth-keys", keys.path, "--out", dir.path,
      ],
      directory: dir)
    defer { server.kill() }
    // Carol is not listed yet: her client is refused; SIGHUP adds her key without a restart.
    let a = try pollenClient(port: port, key: alice.key, partition: "0/2", in: dir)
    defer { a.kill() }
    let c = try pollenClient(port: port, key: carol.key, partition: "1/2", in: dir)
    defer { c.kill() }
    _ = try await server.waitForOutput(containing: "unknown key (key SHA256:", timeout: .seconds(60))
    try (alice.publicLine + carol.publicLine).write(to: keys, atomically: true, encoding: .utf8)
    server.signal(SIGHUP)
    _ = try await server.waitForOutput(containing: "SIGHUP: 2 authorised key(s)", timeout: .seconds(30))
    #expect(try await server.wait(timeout: .seconds(300)) == 0, "pollen server:\n\(server.output())")
    #expect(try await a.wait(timeout: .seconds(60)) == 0, "\(a.output())")
    #expect(try await c.wait(timeout: .seconds(60)) == 0, "\(c.output())")
    let history =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: dir.appendingPathComponent("history.json"))) as? [String: Any]
    let rounds = (history?["timings"] as? [String: Any])?["round_seconds"] as? [Any]
    #expect(rounds?.count == 2, "two rounds: \(String(describing: history))")
    #expect((history?["failures"] as? [Any])?.isEmpty == true, "no failed call")
    #expect(server.output().contains("received 2 results and 0 failures"))
  }
}

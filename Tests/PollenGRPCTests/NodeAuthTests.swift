import Foundation
import GRPCCore
import PollenClient
import PollenCore
import PollenServer
import PollenTesting
import Testing

@testable import PollenGRPC

/// Flower's node authentication: key files, timestamps, and what the authenticator admits.
@Suite struct NodeAuthTests {
  @Test func timestampsAreWrittenAsPythonWritesThemAndReadAsPythonReadsThem() throws {
    #expect(NodeAuth.isoformat(0) == "1970-01-01T00:00:00.000000+00:00")
    #expect(NodeAuth.isoformat(1_796_150_412.25) == "2026-12-01T18:40:12.250000+00:00")
    #expect(NodeAuth.parseTimestamp("2026-12-01T18:40:12.250000+00:00") == 1_796_150_412.25)
    #expect(NodeAuth.parseTimestamp("2026-12-01T18:40:12Z") == 1_796_150_412)
    #expect(NodeAuth.parseTimestamp("2026-12-01T19:40:12+01:00") == 1_796_150_412)
    #expect(NodeAuth.parseTimestamp("2026-12-01T17:10:12-0130") == 1_796_150_412)
    #expect(NodeAuth.parseTimestamp("2024-02-29T00:00:00+00:00") == 1_709_164_800)
    for time in [0.0, 951_782_400.5, 1_796_150_412.123456, 4_102_444_800] {
      let parsed = try #require(NodeAuth.parseTimestamp(NodeAuth.isoformat(time)))
      #expect(abs(parsed - time) < 1e-6)
    }
    for bad in [
      "2026-12-01T18:40:12", "2026-12-01", "yesterday", "2026-13-01T00:00:00Z", "2026-12-01T18:40:12.Z", "",
    ] {
      #expect(NodeAuth.parseTimestamp(bad) == nil, "\(bad)")
    }
  }

  @Test func keysSurviveTheirFileFormats() throws {
    let key = NodePrivateKey.generate()
    let again = try NodePrivateKey(fileContents: key.openSSHRepresentation(comment: "node 7"))
    #expect(again.publicKey == key.publicKey)
    let line = key.publicKey.sshLine(comment: "node 7")
    #expect(line.hasPrefix("ecdsa-sha2-nistp384 AAAA") && line.hasSuffix(" node 7"))
    #expect(try NodePublicKey(sshLine: line) == key.publicKey)
    #expect(try NodePublicKey(pem: key.publicKey.pemBytes) == key.publicKey)
    #expect(try NodePrivateKey(fileContents: key.key.pemRepresentation).publicKey == key.publicKey)
    #expect(key.publicKey.fingerprint.hasPrefix("SHA256:") && !key.publicKey.fingerprint.hasSuffix("="))
    #expect(throws: PollenError.self) {
      try NodePublicKey(
        sshLine: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm4z9Y1dGg0pZKZ8QvT6Q6qYwC9b1wH3V8tGq0Yk1hA x")
    }
    #expect(throws: PollenError.self) { try NodePublicKey(sshLine: "ecdsa-sha2-nistp384 !!!") }
    #expect(throws: PollenError.self) {
      try NodePrivateKey(fileContents: "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n")
    }
  }

  @Test func sshKeygensKeysAreRead() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pollen-keygen-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("node_key").path
    let keygen = Process()
    keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
    keygen.arguments = ["-q", "-t", "ecdsa", "-b", "384", "-N", "", "-C", "from-ssh-keygen", "-f", path]
    try keygen.run()
    keygen.waitUntilExit()
    try #require(keygen.terminationStatus == 0)
    let key = try NodePrivateKey(fileContents: String(contentsOfFile: path, encoding: .utf8))
    let line = try String(contentsOfFile: path + ".pub", encoding: .utf8)
    #expect(try NodePublicKey(sshLine: line) == key.publicKey)
    #expect(key.publicKey.sshLine(comment: "from-ssh-keygen") == line.trimmingCharacters(in: .newlines))
  }

  private static let now = 1_796_150_412.0

  private static func metadata(_ key: NodePrivateKey, at time: Double = now) throws -> Metadata {
    try NodeAuth.metadata(signedBy: key, at: time)
  }

  private static func reason(_ result: Result<NodePublicKey, NodeAuthenticator.Refusal>) -> String? {
    if case .failure(let refusal) = result { refusal.reason } else { nil }
  }

  @Test func theAuthenticatorAdmitsOnlyFreshSignaturesOfAuthorisedKeysOnce() throws {
    let alice = NodePrivateKey.generate()
    let mallory = NodePrivateKey.generate()
    let auth = NodeAuthenticator(authorizedKeys: [alice.publicKey])
    let good = try Self.metadata(alice)
    #expect(try auth.verify(good, now: Self.now + 1).get() == alice.publicKey)
    #expect(Self.reason(auth.verify(good, now: Self.now + 2)) == "replay")
    #expect(Self.reason(auth.verify(try Self.metadata(mallory), now: Self.now)) == "unknown key")
    #expect(
      Self.reason(auth.verify(try Self.metadata(alice, at: Self.now - 600), now: Self.now))
        == "stale timestamp")
    #expect(
      Self.reason(auth.verify(try Self.metadata(alice, at: Self.now + 10), now: Self.now))
        == "stale timestamp")
    #expect(throws: Never.self) {
      try auth.verify(Self.metadata(alice, at: Self.now - 300), now: Self.now).get()
    }
    #expect(Self.reason(auth.verify(Metadata(), now: Self.now)) == "missing")
    // Alice's key and timestamp with Mallory's signature.
    var forged = try Self.metadata(alice, at: Self.now + 3)
    forged.removeAllValues(forKey: NodeAuth.signatureHeader)
    forged.addBinary(
      try mallory.signature(for: Array(NodeAuth.isoformat(Self.now + 3).utf8)),
      forKey: NodeAuth.signatureHeader)
    #expect(Self.reason(auth.verify(forged, now: Self.now + 3)) == "bad signature")
    var garbage = Metadata()
    garbage.addBinary([1, 2, 3], forKey: NodeAuth.publicKeyHeader)
    garbage.addString(NodeAuth.isoformat(Self.now), forKey: NodeAuth.timestampHeader)
    garbage.addBinary([4], forKey: NodeAuth.signatureHeader)
    #expect(Self.reason(auth.verify(garbage, now: Self.now)) == "malformed key")
    auth.replaceKeys([alice.publicKey, mallory.publicKey])
    #expect(throws: Never.self) {
      try auth.verify(Self.metadata(mallory, at: Self.now + 4), now: Self.now + 4).get()
    }
  }

  @Test func anAuthorisedClientTrainsAndOthersAreRefusedBeforeTheyAreClients() async throws {
    let alice = NodePrivateKey.generate()
    var config = FlowerGRPCServer.Config.loopback
    config.nodeAuthenticator = NodeAuthenticator(authorizedKeys: [alice.publicKey])
    try await withLoopbackServer(config: config) { manager, port in
      var noRetry = FlowerGRPCClient.Config.test
      // One try each: under the parallel test phase a refused connection takes seconds.
      noRetry.backoff = Backoff(initialDelay: .milliseconds(50), maxDelay: .milliseconds(50), maxRetries: 0)
      let client = ScriptedClient(fit: .addDelta(1, numExamples: 1))
      // No key, then another key: refused, never registered.
      await #expect(throws: (any Error).self) {
        try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: noRetry)
      }
      var bob = noRetry
      bob.nodeKey = NodePrivateKey.generate()
      await #expect(throws: (any Error).self) {
        try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: bob)
      }
      #expect(await manager.all().isEmpty)
      try await withThrowingTaskGroup(of: Void.self) { group in
        var signed = FlowerGRPCClient.Config.test
        signed.nodeKey = alice
        group.addTask {
          try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: signed)
        }
        var strategy = FedAvg(
          fractionEvaluate: 0, initialParameters: Parameters(tensors: [NDArray([Float(1)])]))
        strategy.minFitClients = 1
        strategy.minAvailableClients = 1
        var server = Server(clientManager: manager, strategy: strategy, config: ServerConfig(numRounds: 1))
        let history = await server.fit()
        #expect(history.failures.isEmpty)
        #expect(server.parameters.tensors == [NDArray([Float(2)])])
        await server.disconnectAllClients(timeout: .seconds(5))
        try await group.waitForAll()
      }
    }
  }
}

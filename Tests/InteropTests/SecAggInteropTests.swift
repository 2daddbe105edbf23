import Foundation
import Testing

/// Issue 10: SecAgg+ over the grpc-bidi transport with separate `pollen server --secagg` and
/// `pollen client` processes, with central DP on top (clients clip, the server only ever holds
/// the secure sum and adds the noise), and a plain Flower 1.41 client refused from the secure
/// rounds with the reason while the Pollen clients' rounds go on.
@Suite(.serialized) struct SecAggInteropTests {
  func pollenClient(port: Int, partition: String, extra: [String] = [], in dir: URL) throws -> PeerProcess {
    try PeerProcess(
      name: "pollen-client-\(partition.prefix(1))", executable: Interop.pollen(),
      arguments: [
        "client", "--server", "127.0.0.1:\(port)", "--dataset", "digits", "--partition", partition,
        "--max-wait-time", "120",
      ] + extra,
      directory: dir)
  }

  @Test func pollenClientsTrainUnderSecAggAndClientSideDP() async throws {
    let dir = try Interop.temporaryDirectory("secagg-dp")
    let port = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: port,
      [
        "--rounds", "2", "--min-clients", "3", "--fraction-evaluate", "0", "--round-timeout", "120",
        "--secagg", "--secagg-option", "num_shares=3", "--secagg-option", "reconstruction_threshold=2",
        "--dp", "client-fixed", "--dp-option", "noise_multiplier=0.5", "--dp-option", "clipping_norm=5",
        "--seed", "1", "--out", dir.path,
      ],
      directory: dir)
    defer { server.kill() }
    var clients: [PeerProcess] = []
    defer { for c in clients { c.kill() } }
    for i in 0..<3 {
      clients.append(
        try pollenClient(port: port, partition: "\(i)/3", extra: ["--dp", "client-fixed"], in: dir))
    }
    let status = try await server.wait(timeout: .seconds(300))
    let logs = clients.map { "\($0.name):\n\($0.output())" }.joined(separator: "\n")
    try #require(status == 0, "\(server.output())\n\(logs)")
    let history = try Interop.history(in: dir)
    #expect((history["failures"] as? [Any])?.isEmpty == true, "\(history)")
    let privacy = try #require(history["privacy"] as? [String: [[Double]]], "\(history)")
    let epsilon = try #require(privacy["epsilon"])
    #expect(epsilon.map { $0[0] } == [1, 2])
    #expect(epsilon[0][1] > 0 && epsilon[1][1] > epsilon[0][1], "\(epsilon)")
    let fit = try #require(history["metrics_distributed_fit"] as? [String: [[Double]]])
    #expect(fit["secagg_clients"]?.map { $0[1] } == [3, 3], "\(fit)")
  }

  @Test func aPlainFlowerClientIsRefusedFromSecureRoundsWithTheReason() async throws {
    let dir = try Interop.temporaryDirectory("secagg-flower")
    let port = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: port,
      [
        "--rounds", "2", "--min-clients", "4", "--fraction-evaluate", "0", "--round-timeout", "120",
        "--secagg", "--secagg-option", "num_shares=3", "--secagg-option", "reconstruction_threshold=2",
        "--out", dir.path,
      ],
      directory: dir)
    defer { server.kill() }
    var clients: [PeerProcess] = []
    defer { for c in clients { c.kill() } }
    for i in 0..<3 { clients.append(try pollenClient(port: port, partition: "\(i)/3", in: dir)) }
    let flower = try PeerProcess(
      name: "flower-client", executable: Interop.python(),
      arguments: [
        Interop.script("numpy_client.py"), "--server", "127.0.0.1:\(port)", "--delta", "1", "--num-examples",
        "1",
      ],
      directory: dir)
    defer { flower.kill() }
    let status = try await server.wait(timeout: .seconds(300))
    try #require(status == 0, "\(server.output())\nflower:\n\(flower.output())")
    let history = try Interop.history(in: dir)
    let failures = try #require(history["failures"] as? [[Any]])
    #expect(failures.count == 2, "one refusal per round: \(failures)")
    #expect(
      failures.allSatisfy { "\($0.last ?? "")".contains("does not support Pollen SecAgg+") }, "\(failures)")
    let fit = try #require(history["metrics_distributed_fit"] as? [String: [[Double]]])
    #expect(fit["secagg_clients"]?.map { $0[1] } == [3, 3], "\(fit)")
  }
}

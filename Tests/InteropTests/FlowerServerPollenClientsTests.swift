import Foundation
import Testing

/// Flower 1.41's own `start_server` (FedAvg) with two `pollen client` processes.
@Suite(.serialized) struct FlowerServerPollenClientsTests {
  @Test func pollenClientsLearnDigitsOnAFlowerServer() async throws {
    let dir = try Interop.temporaryDirectory("b")
    let port = try await Interop.freePort()
    let historyFile = dir.appendingPathComponent("flower-history.json")
    let server = try PeerProcess(
      name: "flower-server", executable: Interop.python(),
      arguments: [
        Interop.script("flower_server.py"), "--port", "\(port)", "--rounds", "3", "--out", historyFile.path,
      ],
      directory: dir)
    defer { server.kill() }
    let clients = try (0..<2).map { index in
      try PeerProcess(
        name: "pollen-client-\(index)", executable: Interop.pollen(),
        arguments: [
          "client", "--server", "127.0.0.1:\(port)", "--dataset", "digits", "--partition", "\(index)/2",
          "--max-wait-time", "120",
        ],
        directory: dir)
    }
    defer { clients.forEach { $0.kill() } }

    #expect(try await server.wait(timeout: .seconds(300)) == 0, "flower server:\n\(server.output())")
    for client in clients {
      #expect(try await client.wait(timeout: .seconds(60)) == 0, "\(client.name):\n\(client.output())")
    }
    let data = try Data(contentsOf: historyFile)
    let history = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let losses = try #require(history["losses_distributed"] as? [[Double]])
    #expect(losses.map { $0[0] } == [1, 2, 3])
    #expect(
      zip(losses, losses.dropFirst()).allSatisfy { $1[1] < $0[1] }, "loss falls round over round: \(losses)")
    let metrics = try #require(history["metrics_distributed"] as? [String: [[Double]]])
    let accuracy = try #require(metrics["accuracy"]?.last)
    #expect(accuracy[0] == 3)
    #expect(accuracy[1] >= 0.85, "weighted accuracy after round 3: \(accuracy[1])")
  }
}

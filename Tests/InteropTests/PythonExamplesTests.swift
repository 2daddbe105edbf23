import Foundation
import Testing

/// `Examples/python/`: the scikit-learn client and README's numpy client, two processes each,
/// trained by `pollen server` for 3 rounds.
@Suite(.serialized) struct PythonExamplesTests {
  static func example(_ name: String) -> String {
    Interop.packageRoot.appendingPathComponent("Examples/python/\(name)").path
  }

  /// Runs `pollen server` for 3 rounds with two clients started by `client(index, port)` and
  /// returns its history.json.
  static func train(_ name: String, client: (Int, Int) throws -> [String]) async throws -> [String: Any] {
    let dir = try Interop.temporaryDirectory(name)
    let port = try await Interop.freePort()
    let server = try PeerProcess(
      name: "pollen-server", executable: Interop.pollen(),
      arguments: [
        "server", "--address", "127.0.0.1:\(port)", "--rounds", "3", "--out",
        dir.appendingPathComponent("out").path,
      ],
      directory: dir)
    defer { server.kill() }
    let clients = try (0..<2).map { index in
      try PeerProcess(
        name: "\(name)-\(index)", executable: Interop.python(), arguments: try client(index, port),
        directory: dir)
    }
    defer { clients.forEach { $0.kill() } }
    #expect(try await server.wait(timeout: .seconds(300)) == 0, "pollen server:\n\(server.output())")
    for client in clients {
      #expect(try await client.wait(timeout: .seconds(60)) == 0, "\(client.name):\n\(client.output())")
    }
    let data = try Data(contentsOf: dir.appendingPathComponent("out/history.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test func theScikitLearnClientLearnsDigits() async throws {
    let history = try await Self.train("sklearn") { index, port in
      [Self.example("sklearn_client.py"), "--server", "127.0.0.1:\(port)", "--partition", "\(index)/2"]
    }
    let losses = try #require(history["losses_distributed"] as? [[Double]])
    #expect(losses.map { $0[0] } == [1, 2, 3])
    #expect(zip(losses, losses.dropFirst()).allSatisfy { $1[1] < $0[1] }, "loss falls: \(losses)")
    let accuracy = try #require((history["metrics_distributed"] as? [String: [[Double]]])?["accuracy"]?.last)
    #expect(accuracy[1] >= 0.9, "accuracy after round 3: \(accuracy[1])")
  }

  @Test func readmesNumpyClientTrains() async throws {
    let readme = try String(
      contentsOf: Interop.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let file = try String(contentsOfFile: Self.example("numpy_client.py"), encoding: .utf8)
    #expect(readme.contains("```python\n" + file + "```\n"), "README shows Examples/python/numpy_client.py")
    let history = try await Self.train("numpy") { index, port in
      [Self.example("numpy_client.py"), "\(index)", "127.0.0.1:\(port)"]
    }
    let losses = try #require(history["losses_distributed"] as? [[Double]])
    #expect(losses.map { $0[0] } == [1, 2, 3])
    #expect(((history["failures"] as? [Any]) ?? []).isEmpty, "no failures: \(history["failures"] ?? "")")
  }
}

import Foundation
import Testing

/// Flower 1.41 NumPyClients whose model starts as int64 and whose `fit` returns float64 arrays
/// (`python/int_model_client.py`), three rounds of FedAvg, once against `pollen server` and once
/// against Flower's own server (`python/flower_server.py`): both end with the same float64 model.
@Suite(.serialized) struct MixedDTypeInteropTests {
  typealias Arrays = [String: NumpyArray]

  /// Two clients: deltas 1 and 4, 10 and 30 examples.
  static let clients: [(delta: Double, examples: Int)] = [(1, 10), (4, 30)]

  func startClients(port: Int, in dir: URL) throws -> [PeerProcess] {
    try Self.clients.map { c in
      try PeerProcess(
        name: "int-model-client-\(c.delta)", executable: Interop.python(),
        arguments: [
          Interop.script("int_model_client.py"), "--server", "127.0.0.1:\(port)", "--delta", "\(c.delta)",
          "--num-examples", "\(c.examples)",
        ], directory: dir)
    }
  }

  /// Runs `pollen server` with the two clients; returns its parameters and history failures.
  func runPollen() async throws -> (Arrays, failures: [Any]) {
    let dir = try Interop.temporaryDirectory("mixed-pollen")
    let port = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: port, ["--rounds", "3", "--min-clients", "2", "--round-timeout", "60", "--out", dir.path],
      directory: dir)
    defer { server.kill() }
    let clients = try startClients(port: port, in: dir)
    defer { clients.forEach { $0.kill() } }
    #expect(try await server.wait(timeout: .seconds(300)) == 0, "pollen server:\n\(server.output())")
    for c in clients { #expect(try await c.wait(timeout: .seconds(60)) == 0, "\(c.name):\n\(c.output())") }
    let data = try Data(contentsOf: dir.appendingPathComponent("history.json"))
    let history = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return (
      try await Interop.loadNPZ(dir.appendingPathComponent("parameters.npz")),
      history["failures"] as? [Any] ?? []
    )
  }

  /// Runs Flower's `start_server` (FedAvg) with the two clients; returns its final parameters.
  func runFlower() async throws -> Arrays {
    let dir = try Interop.temporaryDirectory("mixed-flower")
    let port = try await Interop.freePort()
    let npz = dir.appendingPathComponent("flower-parameters.npz")
    let server = try PeerProcess(
      name: "flower-server", executable: Interop.python(),
      arguments: [
        Interop.script("flower_server.py"), "--port", "\(port)", "--rounds", "3",
        "--out", dir.appendingPathComponent("flower-history.json").path, "--parameters-out", npz.path,
      ], directory: dir)
    defer { server.kill() }
    _ = try await server.waitForOutput(containing: "gRPC server running", timeout: .seconds(120))
    let clients = try startClients(port: port, in: dir)
    defer { clients.forEach { $0.kill() } }
    #expect(try await server.wait(timeout: .seconds(300)) == 0, "flower server:\n\(server.output())")
    for c in clients { #expect(try await c.wait(timeout: .seconds(60)) == 0, "\(c.name):\n\(c.output())") }
    return try await Interop.loadNPZ(npz)
  }

  @Test func int64ModelWithFloat64UpdatesTrainsAsOnFlowersServer() async throws {
    let (pollen, failures) = try await runPollen()
    #expect(failures.isEmpty, "pollen server refused updates: \(failures)")
    let flower = try await runFlower()

    // Each round: w ← 0.5·w + (10·1 + 30·4)/40·(i+1) = 0.5·w + 3.25·(i+1), from the int64 model.
    let initial: [[Double]] = [(0..<6).map { Double($0 * 3 - 5) }, [7, -3, 12, 0]]
    let expected = initial.enumerated().map { i, w in
      (0..<3).reduce(w) { w, _ in w.map { 0.5 * $0 + 3.25 * Double(i + 1) } }
    }
    #expect(pollen.count == 2 && flower.count == 2)
    for (i, name) in ["arr_0", "arr_1"].enumerated() {
      let p = try #require(pollen[name])
      let f = try #require(flower[name])
      #expect(p.dtype == "float64" && f.dtype == "float64", "\(name): pollen \(p.dtype), flower \(f.dtype)")
      #expect(p.shape == f.shape && p.shape == (i == 0 ? [3, 2] : [4]))
      #expect(p.values.count == f.values.count)
      #expect(
        zip(p.values, f.values).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(name): \(p.values) vs \(f.values)")
      #expect(zip(p.values, expected[i]).allSatisfy { abs($0 - $1) <= 1e-9 }, "\(name): \(p.values)")
      #expect(p.values != initial[i], "\(name): the model changed")
    }
  }
}

import Foundation
import Testing

/// The programs in `Examples/` (README "Getting started as a library"), run as built by `swift build`, each
/// checked for the answer it should reach.
@Suite(.serialized) struct ExamplesTests {
  /// `.build/debug/NAME` in the package root.
  static func example(_ name: String) throws -> String {
    let path = Interop.packageRoot.appendingPathComponent(".build/debug/\(name)").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw InteropError("no \(name) at \(path): run `swift build` first")
    }
    return path
  }

  /// Runs an example to its end and returns what it printed.
  static func run(_ name: String, _ arguments: [String] = [], timeout: Duration = .seconds(120)) async throws
    -> String
  {
    let process = try PeerProcess(
      name: name, executable: example(name), arguments: arguments,
      directory: Interop.temporaryDirectory(name))
    defer { process.kill() }
    let status = try await process.wait(timeout: timeout)
    #expect(status == 0, "\(name):\n\(process.output())")
    return process.output()
  }

  /// The number after `label` in `output` (e.g. "w = 2.98").
  static func number(after label: String, in output: String) throws -> Double {
    let range = try #require(output.range(of: label), "no '\(label)' in:\n\(output)")
    let digits = output[range.upperBound...].prefix { "0123456789.-e".contains($0) }
    return try #require(Double(digits), "no number after '\(label)' in:\n\(output)")
  }

  /// FedAvg's fixed point with the examples' `TargetClient`s `0..<count`: Σ nᵢ·i / Σ nᵢ, nᵢ = 10 + i.
  static func weightedMean(clients count: Int) -> Double {
    let n = (0..<count).map { Double(10 + $0) }
    return zip(n, 0..<count).map { $0 * Double($1) }.reduce(0, +) / n.reduce(0, +)
  }

  @Test func linearRegressionLearnsTheLine() async throws {
    let output = try await Self.run("LinearRegressionExample")
    let w = try Self.number(after: "w = ", in: output)
    let b = try Self.number(after: "b = ", in: output)
    #expect(abs(w - 3) < 0.05 && abs(b - 1) < 0.05, "learned w = \(w), b = \(b)")
  }

  @Test func customStrategiesReachTheirAnswers() async throws {
    let output = try await Self.run("CustomStrategyExample")
    #expect(abs(try Self.number(after: "median strategy: ", in: output) - 4) < 0.01, "\(output)")
    #expect(abs(try Self.number(after: "damped FedAvg: ", in: output) - Self.weightedMean(clients: 9)) < 0.01)
  }

  @Test func anInProcessGRPCServerTrainsItsSwiftClients() async throws {
    let output = try await Self.run("InProcessGRPCExample")
    #expect(try Self.number(after: "rounds: ", in: output) == 5, "\(output)")
    // Each round halves the distance to the weighted mean: after 5, 1 − 2⁻⁵ of the way from 0.
    let expected = Self.weightedMean(clients: 3) * (1 - 1 / 32)
    #expect(abs(try Self.number(after: "parameter: ", in: output) - expected) < 1e-9, "\(output)")
  }

  @Test func swiftClientsTrainOnFlowersOwnServer() async throws {
    let dir = try Interop.temporaryDirectory("flower-example")
    let port = try await Interop.freePort()
    let final = dir.appendingPathComponent("final.npz")
    let server = try PeerProcess(
      name: "flower-server", executable: Interop.python(),
      arguments: [
        Interop.script("flower_server.py"), "--port", "\(port)", "--rounds", "3", "--out",
        dir.appendingPathComponent("history.json").path, "--parameters-out", final.path,
      ],
      directory: dir)
    defer { server.kill() }
    let clients = try (0..<2).map { id in
      try PeerProcess(
        name: "example-client-\(id)", executable: Self.example("FlowerServerClientExample"),
        arguments: ["127.0.0.1:\(port)", "\(id)"], directory: dir)
    }
    defer { clients.forEach { $0.kill() } }
    #expect(try await server.wait(timeout: .seconds(180)) == 0, "flower server:\n\(server.output())")
    for client in clients {
      #expect(try await client.wait(timeout: .seconds(60)) == 0, "\(client.name):\n\(client.output())")
      #expect(client.output().contains("the server ended the run"))
    }
    let reader = try PeerProcess(
      name: "npz-to-json", executable: Interop.python(),
      arguments: [Interop.script("npz_to_json.py"), final.path],
      directory: dir)
    defer { reader.kill() }
    #expect(try await reader.wait(timeout: .seconds(60)) == 0)
    let arrays = try #require(
      try JSONSerialization.jsonObject(with: Data(reader.output().utf8)) as? [String: [String: Any]])
    let values = try #require(arrays["arr_0"]?["values"] as? [Double], "final parameters: \(reader.output())")
    // Flower's FedAvg from the first client's 0: three rounds, each halving the distance.
    let expected = Self.weightedMean(clients: 2) * (1 - 1 / 8)
    #expect(values.count == 1 && abs(values[0] - expected) < 1e-9, "final parameters: \(values)")
  }
}

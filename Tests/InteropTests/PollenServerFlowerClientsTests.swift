import Foundation
import PollenCore
import Testing

/// `pollen server` with real Flower 1.41 Python clients (`start_client`, grpc-bidi).
@Suite(.serialized) struct PollenServerFlowerClientsTests {
  /// Starts `pollen server` on a free port and waits until it listens.
  func startServer(rounds: Int, out: URL, _ extra: [String] = []) async throws -> (PeerProcess, Int) {
    let port = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: port,
      ["--rounds", "\(rounds)", "--min-clients", "2", "--round-timeout", "60", "--out", out.path] + extra,
      directory: out)
    return (server, port)
  }

  func startClient(port: Int, delta: Double, examples: Int, loss: Double, garbage: Bool = false, in dir: URL)
    throws
    -> PeerProcess
  {
    var arguments = [
      Interop.script("numpy_client.py"), "--server", "127.0.0.1:\(port)", "--delta", "\(delta)",
      "--num-examples", "\(examples)", "--loss", "\(loss)",
    ]
    if garbage { arguments.append("--garbage") }
    return try PeerProcess(
      name: "flower-client-\(delta)", executable: Interop.python(), arguments: arguments, directory: dir)
  }

  func history(_ dir: URL) throws -> [String: Any] {
    let data = try Data(contentsOf: dir.appendingPathComponent("history.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  @Test func fedAvgOfTwoFlowerClientsOverThreeRounds() async throws {
    let dir = try Interop.temporaryDirectory("a")
    let (server, port) = try await startServer(rounds: 3, out: dir)
    defer { server.kill() }
    // Client A sends params + 1·(i+1) with 10 examples, client B params + 4·(i+1) with 30.
    let a = try startClient(port: port, delta: 1, examples: 10, loss: 2, in: dir)
    let b = try startClient(port: port, delta: 4, examples: 30, loss: 4, in: dir)
    defer { a.kill(); b.kill() }
    let status = try await server.wait(timeout: .seconds(300))
    #expect(status == 0, "pollen server failed:\n\(server.output())")
    #expect(try await a.wait(timeout: .seconds(60)) == 0, "client A:\n\(a.output())")
    #expect(try await b.wait(timeout: .seconds(60)) == 0, "client B:\n\(b.output())")

    // Each round adds the weighted mean delta (10·1 + 30·4) / 40 = 3.25 per (i+1): after 3 rounds,
    // layer 0 (float32, 3×2) is 9.75 and layer 1 (float64, 4) is 19.5, from zeros.
    let arrays = try await Interop.loadNPZ(dir.appendingPathComponent("parameters.npz"))
    let layer0 = try #require(arrays["arr_0"])
    let layer1 = try #require(arrays["arr_1"])
    #expect(arrays.count == 2)
    #expect(layer0.dtype == "float32" && layer0.shape == [3, 2])
    #expect(layer1.dtype == "float64" && layer1.shape == [4])
    #expect(layer0.values.allSatisfy { abs($0 - 9.75) < 1e-6 }, "\(layer0.values)")
    #expect(layer1.values.allSatisfy { abs($0 - 19.5) < 1e-6 }, "\(layer1.values)")

    // Distributed loss per round: (10·2 + 30·4) / 40 / round.
    let losses = try #require(try history(dir)["losses_distributed"] as? [[Double]])
    #expect(losses.count == 3)
    for (index, entry) in losses.enumerated() {
      #expect(entry[0] == Double(index + 1))
      #expect(abs(entry[1] - 3.5 / Double(index + 1)) < 1e-6)
    }
  }

  @Test func garbageTensorsAreAFailureTheClientIsDroppedAndTheRoundGoesOn() async throws {
    let dir = try Interop.temporaryDirectory("c")
    // No federated evaluation: it would wait for a second client, and the bad one is dropped.
    let (server, port) = try await startServer(rounds: 1, out: dir, ["--fraction-evaluate", "0"])
    defer { server.kill() }
    let good = try startClient(port: port, delta: 2, examples: 10, loss: 1, in: dir)
    let bad = try startClient(port: port, delta: 0, examples: 5, loss: 1, garbage: true, in: dir)
    defer { good.kill(); bad.kill() }
    let status = try await server.wait(timeout: .seconds(300))
    #expect(status == 0, "pollen server failed:\n\(server.output())")
    _ = try? await good.wait(timeout: .seconds(60))
    _ = try? await bad.wait(timeout: .seconds(60))

    let failures = try #require(try history(dir)["failures"] as? [[Any]])
    #expect(failures.count == 1, "\(failures)")
    let reason = failures.first?.last as? String ?? ""
    #expect(reason.contains("invalidTensor") && reason.contains("tensor 0"), "\(reason)")
    #expect(server.output().contains("tensor 0"), "the server logs why the reply was rejected")
    #expect(server.output().contains("no new streams from there for 30.0 seconds"), "and drops the client")
    // The round aggregated the good client's update alone.
    let arrays = try await Interop.loadNPZ(dir.appendingPathComponent("parameters.npz"))
    #expect(arrays["arr_0"]?.values.allSatisfy { abs($0 - 2) < 1e-6 } == true)
    #expect(arrays["arr_1"]?.values.allSatisfy { abs($0 - 4) < 1e-6 } == true)
  }
}

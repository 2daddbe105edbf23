import Foundation
import Testing

/// `pollen load` (many Flower-protocol clients in one process) against `pollen server` and
/// against Flower 1.41's own `start_server`.
@Suite(.serialized) struct LoadGeneratorTests {
  func load(port: Int, clients: Int, params: Int, layers: Int, in dir: URL, _ extra: [String] = [])
    throws -> PeerProcess
  {
    try PeerProcess(
      name: "pollen-load", executable: Interop.pollen(),
      arguments: [
        "load", "--server", "127.0.0.1:\(port)", "--clients", "\(clients)", "--params", "\(params)",
        "--layers", "\(layers)",
      ] + extra,
      directory: dir)
  }

  /// The summary line `pollen load` prints at the end.
  func summary(_ process: PeerProcess) throws -> String {
    try #require(
      process.output().split(separator: "\n").last { $0.hasPrefix("pollen load:") }.map(String.init))
  }

  @Test func fiveHundredLoadClientsAgainstPollenServer() async throws {
    let dir = try Interop.temporaryDirectory("load-pollen")
    let port = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: port,
      [
        "--min-clients", "500", "--rounds", "2", "--fraction-evaluate", "0", "--round-timeout", "120",
        "--out", dir.path,
      ],
      directory: dir)
    defer { server.kill() }
    // 20,000 float32: each FitIns (80 KB) is above SharedInboundMessage.minimumLength, so the
    // clients compare theirs with the one assembled instead of copying it.
    let load = try load(port: port, clients: 500, params: 20_000, layers: 3, in: dir)
    defer { load.kill() }

    #expect(
      try await load.wait(timeout: .seconds(300), peers: [server]) == 0, "pollen load:\n\(load.output())")
    #expect(try await server.wait(timeout: .seconds(60)) == 0, "pollen server:\n\(server.output())")
    let line = try summary(load)
    #expect(line.contains("500 clients, 500 connected"), "\(line)")
    #expect(line.contains("1000 fits, 0 evaluates, 1 get_parameters answered"), "\(line)")
    #expect(line.contains("500 disconnected by the server, 0 failures"), "\(line)")

    // Every client returns params + 1 with 10 examples: FedAvg of identical updates is params + 1
    // per round, from zeros; 20,000 float32 split 6,667/6,667/6,666.
    let arrays = try await Interop.loadNPZ(dir.appendingPathComponent("parameters.npz"))
    #expect(arrays.keys.sorted() == ["arr_0", "arr_1", "arr_2"])
    #expect(arrays["arr_0"]?.shape == [6_667] && arrays["arr_2"]?.shape == [6_666])
    for (name, array) in arrays {
      #expect(array.dtype == "float32")
      #expect(array.values.allSatisfy { abs($0 - 2) < 1e-6 }, "\(name): \(array.values.prefix(5))")
    }
    let data = try Data(contentsOf: dir.appendingPathComponent("history.json"))
    let history = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let timings = try #require(history["timings"] as? [String: [[Double]]])
    #expect(timings["round_seconds"]?.map { $0[0] } == [1, 2])
    // 500 results of 20,000 float32 (80,000 bytes of data each, plus .npy headers) per round.
    let received = try #require(timings["bytes_received"])
    #expect(received.allSatisfy { $0[1] >= 500 * 80_000 }, "\(received)")
    #expect((history["failures"] as? [Any])?.isEmpty ?? true, "\(history["failures"] ?? "")")
  }

  @Test func moreThanAHundredStreamsShareOneConnection() async throws {
    // NIO's HTTP/2 admits 100 concurrent streams per connection unless the server says more:
    // 300 clients on 2 connections all join (and the round starts only if they do).
    let dir = try Interop.temporaryDirectory("load-shared")
    let port = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: port,
      ["--min-clients", "300", "--rounds", "1", "--fraction-evaluate", "0", "--out", dir.path],
      directory: dir)
    defer { server.kill() }
    let load = try load(
      port: port, clients: 300, params: 100, layers: 1, in: dir, ["--streams-per-connection", "150"])
    defer { load.kill() }
    #expect(
      try await load.wait(timeout: .seconds(120), peers: [server]) == 0, "pollen load:\n\(load.output())")
    #expect(try await server.wait(timeout: .seconds(60)) == 0, "pollen server:\n\(server.output())")
    let line = try summary(load)
    #expect(line.contains("300 clients, 300 connected (peak 300 at once), 300 fits"), "\(line)")
  }

  @Test func streamsBeyondMaxClientsAreRefused() async throws {
    let dir = try Interop.temporaryDirectory("load-max-clients")
    let port = try await Interop.freePort()
    let (server, _) = try await Interop.startPollenServer(
      port: port,
      [
        "--min-clients", "5", "--max-clients", "5", "--rounds", "1", "--fraction-evaluate", "0", "--out",
        dir.path,
      ],
      directory: dir)
    defer { server.kill() }
    // Five clients fill the server; their 4 s fits keep the round open while three more try.
    let admitted = try load(port: port, clients: 5, params: 10, layers: 1, in: dir, ["--fit-delay", "4"])
    defer { admitted.kill() }
    _ = try await server.waitForOutput(containing: "[ROUND 1]", timeout: .seconds(60))
    let refused = try load(
      port: port, clients: 3, params: 10, layers: 1, in: dir, ["--connect-timeout", "20"])
    defer { refused.kill() }

    // The three are refused (a failure each, so the exit status is 1); the five run the round.
    #expect(try await refused.wait(timeout: .seconds(60)) == 1, "pollen load:\n\(refused.output())")
    let refusedLine = try summary(refused)
    #expect(refusedLine.contains("3 clients, 0 connected"), "\(refusedLine)")
    #expect(refusedLine.contains("3 failures (resourceExhausted 3)"), "\(refusedLine)")
    #expect(try await admitted.wait(timeout: .seconds(60)) == 0, "pollen load:\n\(admitted.output())")
    #expect(try await server.wait(timeout: .seconds(60)) == 0, "pollen server:\n\(server.output())")
    let line = try summary(admitted)
    #expect(line.contains("5 clients, 5 connected"), "\(line)")
    #expect(line.contains("5 fits"), "\(line)")
  }

  @Test func aFrameSizeOutsideHTTP2sLimitsIsRefused() async throws {
    let dir = try Interop.temporaryDirectory("load-frame-size")
    for size in ["16383", "16777216"] {
      let load = try load(port: 1, clients: 1, params: 10, layers: 1, in: dir, ["--max-frame-size", size])
      defer { load.kill() }
      #expect(try await load.wait(timeout: .seconds(60)) != 0)
      #expect(load.output().contains("--max-frame-size must be in 16384…16777215"), "\(load.output())")
    }
  }

  @Test func maxClientsAboveTheHardOpenFileLimitStopsTheServer() async throws {
    let dir = try Interop.temporaryDirectory("load-rlimit")
    let server = try PeerProcess(
      name: "pollen-server", executable: Interop.pollen(),
      arguments: ["server", "--address", "127.0.0.1:0", "--max-clients", "2000000000"], directory: dir)
    defer { server.kill() }
    #expect(try await server.wait(timeout: .seconds(60)) != 0)
    #expect(server.output().contains("--max-clients 2000000000 needs about"), "\(server.output())")
    #expect(server.output().contains("ulimit -Hn"), "\(server.output())")
  }

  @Test func twentyLoadClientsAgainstFlowersStartServer() async throws {
    let dir = try Interop.temporaryDirectory("load-flower")
    let port = try await Interop.freePort()
    let historyFile = dir.appendingPathComponent("flower-history.json")
    let parametersFile = dir.appendingPathComponent("flower-parameters.npz")
    let server = try PeerProcess(
      name: "flower-server", executable: Interop.python(),
      arguments: [
        Interop.script("flower_server.py"), "--port", "\(port)", "--rounds", "3", "--min-clients", "20",
        "--out", historyFile.path, "--parameters-out", parametersFile.path,
      ],
      directory: dir)
    defer { server.kill() }
    // Each round's FitIns (160 KB) differs from the last: the first client to receive it
    // assembles it, the others find theirs the same (SharedInboundMessage).
    let load = try load(port: port, clients: 20, params: 40_000, layers: 2, in: dir)
    defer { load.kill() }

    #expect(try await server.wait(timeout: .seconds(300)) == 0, "flower server:\n\(server.output())")
    #expect(try await load.wait(timeout: .seconds(60)) == 0, "pollen load:\n\(load.output())")
    let line = try summary(load)
    #expect(line.contains("20 clients, 20 connected"), "\(line)")
    #expect(line.contains("60 fits, 60 evaluates, 1 get_parameters answered"), "\(line)")
    #expect(line.contains("0 failures"), "\(line)")

    // Flower's history: every client evaluates with loss 0 in each of the 3 rounds.
    let data = try Data(contentsOf: historyFile)
    let history = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let losses = try #require(history["losses_distributed"] as? [[Double]])
    #expect(losses.map { $0[0] } == [1, 2, 3])
    #expect(losses.allSatisfy { $0[1] == 0 }, "\(losses)")
    // Flower's FedAvg of 20 identical params + 1: 3.0 after 3 rounds (Flower's float32
    // weighted sum rounds slightly).
    let arrays = try await Interop.loadNPZ(parametersFile)
    #expect(arrays["arr_0"]?.shape == [20_000] && arrays["arr_1"]?.shape == [20_000])
    for (name, array) in arrays {
      #expect(array.values.allSatisfy { abs($0 - 3) < 1e-5 }, "\(name): \(array.values.prefix(5))")
    }
  }
}

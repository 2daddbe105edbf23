import Foundation
import Testing

/// `pollen server --initial-parameters FILE.npz` starts from saved weights; no client is asked.
@Suite(.serialized) struct InitialParametersTests {
  @Test func theRunStartsFromTheFileNotFromAClient() async throws {
    let dir = try Interop.temporaryDirectory("initial")
    let npz = dir.appendingPathComponent("start.npz")
    // The shapes and dtypes numpy_client.py trains (float32 3×2, float64 4), not zeros.
    let writer = try PeerProcess(
      name: "savez", executable: Interop.python(),
      arguments: [
        "-c",
        "import numpy as np, sys; np.savez(sys.argv[1], np.full((3, 2), 5, np.float32), np.arange(4, dtype=np.float64))",
        npz.path,
      ])
    #expect(try await writer.wait(timeout: .seconds(60)) == 0, "\(writer.output())")
    let port = try await Interop.freePort()
    let (server, startup) = try await Interop.startPollenServer(
      port: port,
      [
        "--rounds", "1", "--min-clients", "2", "--round-timeout", "60", "--initial-parameters", npz.path,
        "--out", dir.path,
      ], directory: dir)
    defer { server.kill() }
    #expect(startup.contains("initial parameters from \(npz.path)"))
    let clients = try [(1.0, 10), (4.0, 30)].map { delta, examples in
      try PeerProcess(
        name: "client-\(delta)", executable: Interop.python(),
        arguments: [
          Interop.script("numpy_client.py"), "--server", "127.0.0.1:\(port)", "--delta", "\(delta)",
          "--num-examples", "\(examples)",
        ], directory: dir)
    }
    defer { for c in clients { c.kill() } }
    #expect(try await server.wait(timeout: .seconds(300)) == 0, "\(server.output())")
    #expect(server.output().contains("Using initial global parameters provided by strategy"))
    #expect(!server.output().contains("Requesting initial parameters from one random client"))
    // One FedAvg round adds the weighted mean delta 3.25 × (i + 1) to the file's values.
    let arrays = try await Interop.loadNPZ(dir.appendingPathComponent("parameters.npz"))
    #expect(arrays["arr_0"]?.values == [Double](repeating: 5 + 3.25, count: 6))
    #expect(arrays["arr_1"]?.values == [0, 1, 2, 3].map { $0 + 6.5 })
    #expect(arrays["arr_0"]?.dtype == "float32" && arrays["arr_1"]?.dtype == "float64")
  }

  @Test func aFileThatIsNotAnNPZIsAClearError() async throws {
    let dir = try Interop.temporaryDirectory("initial-bad")
    let bad = dir.appendingPathComponent("bad.npz")
    try Data("not a zip".utf8).write(to: bad)
    let server = try PeerProcess(
      name: "pollen-server", executable: Interop.pollen(),
      arguments: ["server", "--address", "127.0.0.1:0", "--initial-parameters", bad.path], directory: dir)
    #expect(try await server.wait(timeout: .seconds(60)) != 0)
    #expect(server.output().contains("--initial-parameters \(bad.path)"), "\(server.output())")
  }
}

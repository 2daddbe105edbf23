import Foundation
import Testing

/// The Flower 1.41 app of `python/fleet_app` as a built FAB, and SuperNodes that run it.
extension Interop {
  /// `Tests/InteropTests/python/fleet_app` copied to `directory/app` and built with `flwr build`;
  /// returns the `.fab` file.
  static func buildFleetApp(in directory: URL) async throws -> URL {
    let app = directory.appendingPathComponent("app")
    try FileManager.default.copyItem(
      at: packageRoot.appendingPathComponent("Tests/InteropTests/python/fleet_app"), to: app)
    let flwr = URL(fileURLWithPath: try python()).deletingLastPathComponent().appendingPathComponent("flwr")
      .path
    let build = try PeerProcess(
      name: "flwr-build", executable: "/bin/sh",
      arguments: ["-c", "cd \"$0\" && exec \"$1\" build", app.path, flwr],
      directory: directory)
    let status = try await build.wait(timeout: .seconds(120))
    try #require(status == 0, "flwr build failed:\n\(build.output())")
    let fab = try #require(
      try FileManager.default.contentsOfDirectory(atPath: app.path).first { $0.hasSuffix(".fab") },
      "flwr build made no .fab:\n\(build.output())")
    return app.appendingPathComponent(fab)
  }

  /// An unmodified `flower-supernode --insecure` of the venv, polling `127.0.0.1:fleetPort`, with
  /// its own `FLWR_HOME` and Runtime API port (two on one machine would share 9094) and the
  /// venv's `bin` first on `PATH` (it starts `flower-superexec` and `flwr-clientapp` from there).
  static func startSuperNode(
    name: String, fleetPort: Int, partition: Int, directory: URL
  ) async throws -> SuperNode {
    let bin = URL(fileURLWithPath: try python()).deletingLastPathComponent()
    let home = directory.appendingPathComponent("flwr-home-\(name)")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    let runtimePort = try await freePort()
    let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let process = try PeerProcess(
      name: name, executable: "/usr/bin/env",
      arguments: [
        "PATH=\(path)", "FLWR_HOME=\(home.path)", bin.appendingPathComponent("flower-supernode").path,
        "--insecure", "--superlink", "127.0.0.1:\(fleetPort)", "--port", "\(runtimePort)",
        "--node-config", "partition-id=\(partition)",
      ], directory: directory)
    return SuperNode(process: process, runtimePort: runtimePort)
  }

  /// A running `flower-supernode` and the Runtime API port of its `flower-superexec` child,
  /// which outlives a SuperNode that is killed (it is orphaned, not told to stop).
  struct SuperNode: Sendable {
    let process: PeerProcess
    let runtimePort: Int

    var name: String { process.name }

    /// Everything the SuperNode printed so far.
    func output() -> String { process.output() }

    /// SIGKILLs the SuperNode, then its `flower-superexec` (found by its unique Runtime API port).
    func kill() {
      process.kill()
      Interop.killSuperExec(runtimePort: runtimePort)
    }
  }

  /// SIGKILLs the `flower-superexec` serving `127.0.0.1:runtimePort` (Linux: read from `/proc`).
  static func killSuperExec(runtimePort: Int) {
    let address = "127.0.0.1:\(runtimePort)"
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
      guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
      else { continue }
      let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
      if arguments.contains(where: { $0.hasSuffix("flower-superexec") }), arguments.contains(address) {
        Foundation.kill(pid, SIGKILL)
      }
    }
  }

  /// `numpy.savez(path, w=float32 [[0,1,2],[3,4,5]], b=float64 [0.5,-1,2])`: the app's model.
  static func writeFleetInitialParameters(to path: URL) async throws {
    let writer = try PeerProcess(
      name: "savez", executable: python(),
      arguments: [
        "-c",
        "import numpy as np, sys; np.savez(sys.argv[1], w=np.arange(6, dtype=np.float32).reshape(2, 3), b=np.array([0.5, -1.0, 2.0]))",
        path.path,
      ])
    let status = try await writer.wait(timeout: .seconds(60))
    try #require(status == 0, "numpy.savez failed:\n\(writer.output())")
  }

  /// The JSON object of `DIR/history.json`.
  static func history(in directory: URL) throws -> [String: Any] {
    let data = try Data(contentsOf: directory.appendingPathComponent("history.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }
}

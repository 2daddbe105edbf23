import ArgumentParser
import Foundation
import PollenRecipes
import PollenServer

/// `pollen baseline figure5 --network real`: the variants of a ``BaselineFigure5`` run by real
/// `pollen server` and `pollen client` processes over the network lab (`Scripts/netlab.sh`):
/// the server in namespace `pollen-srv`, client `k` in `pollen-ck` behind links shaped to its
/// country's speeds. Each variant's history is the server's own (`--out DIR/real-VARIANT`).
struct Figure5RealRun {
  let baseline: BaselineFigure5
  /// The network lab script.
  let netlab: String
  /// This binary, run inside the namespaces.
  let pollen: String
  /// Profiles, logs and the servers' outputs.
  let dir: URL

  /// Brings the lab up, runs every variant, and takes the lab down (also on failure).
  func run(onVariant: (BaselineFigure5.Variant) -> Void = { _ in }) async throws -> [BaselineFigure5.Variant:
    History]
  {
    guard getuid() == 0 else {
      throw ValidationError(
        "--network real needs root (network namespaces and tc); use --network virtual otherwise")
    }
    guard FileManager.default.fileExists(atPath: netlab) else {
      throw ValidationError("no network lab at \(netlab): run from the package root or pass --netlab PATH")
    }
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let csv = dir.appendingPathComponent("profiles.csv")
    try baseline.profiles().writeCSV(toFile: csv.path)
    try await lab(["up", "--clients", "\(baseline.clients)", "--profile", csv.path, "--payload-rates"])
    do {
      var histories: [BaselineFigure5.Variant: History] = [:]
      for variant in BaselineFigure5.Variant.allCases {
        onVariant(variant)
        histories[variant] = try await run(variant)
      }
      try await lab(["down"])
      return histories
    } catch {
      try? await lab(["down"])
      throw error
    }
  }

  private func lab(_ arguments: [String]) async throws {
    let run = try ChildProcess(
      "/bin/bash", [netlab] + arguments, log: dir.appendingPathComponent("netlab-\(arguments[0]).log"))
    guard try await run.wait(timeout: .seconds(600)) == 0 else {
      throw ValidationError("netlab.sh \(arguments.joined(separator: " ")) failed:\n\(run.output)")
    }
  }

  private func run(_ variant: BaselineFigure5.Variant) async throws -> History {
    let out = dir.appendingPathComponent("real-\(variant.rawValue)")
    let address = "10.231.0.1:8080"
    let server = try ChildProcess(
      "/usr/bin/env",
      ["ip", "netns", "exec", "pollen-srv", pollen, "server", "--address", address, "--out", out.path]
        + baseline.serverArguments(variant),
      log: dir.appendingPathComponent("server-\(variant.rawValue).log"))
    try await server.waitForOutput("listening on", timeout: .seconds(60))
    let clients = try (0..<baseline.clients).map { k in
      try ChildProcess(
        "/usr/bin/env",
        [
          "ip", "netns", "exec", "pollen-c\(k)", pollen, "client", "--server", address, "--max-wait-time",
          "60",
        ]
          + baseline.clientArguments(k),
        log: dir.appendingPathComponent("client-\(variant.rawValue)-\(k).log"))
    }
    let status = try await server.wait(timeout: .seconds(7200))
    for client in clients { _ = try? await client.wait(timeout: .seconds(20)) }
    guard status == 0 else {
      throw ValidationError(
        "the \(variant.rawValue) server exited with \(status):\n\(server.output.suffix(4000))")
    }
    return try History(jsonData: Data(contentsOf: out.appendingPathComponent("history.json")))
  }
}

import Foundation
import Testing

/// `Scripts/netlab.sh`: a federation across network namespaces with shaped links (README
/// "Real links"). Needs root and iproute2, as CI has; only one lab can exist at a time, so the
/// suite is serialized.
@Suite(.serialized) struct NetlabTests {
  static let netlab = Interop.packageRoot.appendingPathComponent("Scripts/netlab.sh").path

  /// Runs `netlab.sh` with `arguments`; throws unless it exits 0.
  @discardableResult
  static func netlab(_ arguments: [String], in dir: URL, timeout: Duration = .seconds(120)) async throws
    -> String
  {
    let run = try PeerProcess(
      name: "netlab", executable: "/bin/bash", arguments: [netlab] + arguments, directory: dir)
    let status = try await run.wait(timeout: timeout)
    guard status == 0 else {
      throw InteropError("netlab.sh \(arguments.joined(separator: " ")) exited \(status):\n\(run.output())")
    }
    return run.output()
  }

  /// The `pollen-` namespaces and interfaces that exist now.
  static func leftovers() throws -> [String] {
    func lines(_ arguments: [String]) throws -> [String] {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
      process.arguments = arguments
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      let data = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
    return try (lines(["netns", "list"]) + lines(["-o", "link"])).filter { $0.contains("pollen-") }
  }

  /// Brings a lab up from `profile`, runs `body`, and takes the lab down again whatever happens.
  static func withLab<T>(
    clients: Int, profile: String, in dir: URL, _ body: () async throws -> T
  ) async throws -> T {
    let csv = dir.appendingPathComponent("profile.csv")
    try profile.write(to: csv, atomically: true, encoding: .utf8)
    do {
      try await netlab(["up", "--clients", "\(clients)", "--profile", csv.path, "--payload-rates"], in: dir)
      let result = try await body()
      try await netlab(["down"], in: dir)
      return result
    } catch {
      _ = try? await netlab(["down"], in: dir)
      throw error
    }
  }

  @Test func slowUploadsTakeAsLongAsTheShapingImpliesAndNothingIsLeftBehind() async throws {
    try #require(getuid() == 0, "the network lab needs root (ip netns, tc)")
    let dir = try Interop.temporaryDirectory("netlab")
    defer { try? FileManager.default.removeItem(at: dir) }
    // Clients 0–2 upload at 40 Mbit/s, 3–5 at 6; everyone downloads at 100.
    let up = [40.0, 40, 40, 6, 6, 6]
    let down = 100.0
    let profile =
      "client,examples_per_s,down_mbps,up_mbps,availability\n"
      + up.enumerated().map { "\($0),200,\(down),\($1),1" }.joined(separator: "\n") + "\n"
    let parameters = 200_000  // 800 KB each way: ~1.07 s up at 6 Mbit/s, ~0.16 s at 40
    let pollen = try Interop.pollen()
    let log = try await Self.withLab(clients: up.count, profile: profile, in: dir) {
      () async throws -> String in
      let server = try PeerProcess(
        name: "netlab-server", executable: "/usr/bin/env",
        arguments: [
          "POLLEN_LOG_LEVEL=debug", "ip", "netns", "exec", "pollen-srv", pollen, "server",
          "--address", "10.231.0.1:8080", "--min-clients", "\(up.count)", "--rounds", "2",
          "--fraction-evaluate", "0", "--round-timeout", "60", "--out",
          dir.appendingPathComponent("out").path,
        ], directory: dir)
      _ = try await server.waitForOutput(containing: "listening on", timeout: .seconds(30))
      let clients = try up.indices.map { k in
        try PeerProcess(
          name: "netlab-load-\(k)", executable: "/usr/sbin/ip",
          arguments: [
            "netns", "exec", "pollen-c\(k)", pollen, "load", "--server", "10.231.0.1:8080", "--clients", "1",
            "--params", "\(parameters)", "--connect-timeout", "60",
          ], directory: dir)
      }
      let status = try await server.wait(timeout: .seconds(180))
      #expect(status == 0, "server:\n\(server.output())")
      for client in clients {
        let status = try await client.wait(timeout: .seconds(30))
        #expect(status == 0, "\(client.output())")
      }
      return server.output()
    }

    // "fit_res reply from client CID at ipv4:10.231.1.K+1:PORT: BYTES bytes, SECONDS s after …"
    var seen = 0
    for line in log.split(separator: "\n") where line.contains("fit_res reply from client") {
      guard let at = line.range(of: " at ipv4:10.231.1.")?.upperBound,
        let colon = line[at...].firstIndex(of: ":"), let host = Int(line[at..<colon])
      else { continue }
      let fields = line[colon...].split(separator: " ")
      guard let bytes = fields.firstIndex(of: "bytes,").flatMap({ Int(fields[$0 - 1]) }),
        let seconds = fields.firstIndex(of: "s").flatMap({ Double(fields[$0 - 1]) })
      else { continue }
      let k = host - 1
      let expected = Double(4 * parameters) * 8 / (down * 1e6) + Double(bytes) * 8 / (up[k] * 1e6)
      if up[k] < 10 {
        #expect(
          abs(seconds - expected) <= 0.3 * expected,
          "client \(k): \(seconds) s, the links imply \(expected) s")
      } else {
        #expect(seconds < 0.5 * 1.07, "fast client \(k): \(seconds) s")
      }
      seen += 1
    }
    #expect(seen == 2 * up.count, "a timed fit reply per client and round:\n\(log)")
    let left = try Self.leftovers()
    #expect(left.isEmpty, "left behind: \(left)")
  }

  @Test func figure5OverRealLinksTakesWhatTheVirtualClockPredicts() async throws {
    try #require(getuid() == 0, "the network lab needs root (ip netns, tc)")
    let dir = try Interop.temporaryDirectory("figure5-real")
    defer { try? FileManager.default.removeItem(at: dir) }
    let run = try PeerProcess(
      name: "figure5-real", executable: Interop.pollen(),
      arguments: [
        "baseline", "figure5", "--network", "real", "--clients", "12", "--rounds", "5", "--netlab",
        Self.netlab,
        "--out", dir.appendingPathComponent("out").path,
      ], directory: dir)
    let status = try await run.wait(timeout: .seconds(900))
    let output = run.output()
    #expect(status == 0, "\(output)")
    #expect(output.contains("real / virtual"), "\(output)")
    for variant in ["fedavg", "fedavg-timeout", "fedfs"] {
      // variant, real s to target, real total s, virtual s to target, virtual total s, real / virtual, …
      let row = try #require(
        output.split(separator: "\n").first { $0.hasPrefix(variant + " ") }?.split(separator: " "),
        "a row for \(variant):\n\(output)")
      let ratio = try #require(row.count > 5 ? Double(row[5]) : nil, "\(row)")
      #expect(abs(ratio - 1) <= 0.25, "\(variant): real / virtual = \(ratio)")
    }
    let left = try Self.leftovers()
    #expect(left.isEmpty, "left behind: \(left)")
  }
}

import Foundation
import Testing

/// `--config FILE.toml` of `pollen simulate` and `pollen server`, through the real binary.
@Suite struct ConfigFileTests {
  @Test func theCommandLineOverridesTheFile() async throws {
    let dir = try Interop.temporaryDirectory("config-precedence")
    let file = dir.appendingPathComponent("simulate.toml")
    try """
    # pollen simulate settings
    rounds = 5
    clients = 20
    model = "logreg"
    local_epochs = 1
    fraction-fit = 0.5
    strategy = "fedavgm"
    label_column = -1
    plain = true

    [strategy-options]
    server_momentum = 0.5
    server_learning_rate = 0.9
    """.write(to: file, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("run")
    let run = try await CLIRun(
      [
        "simulate", "--config", file.path, "--rounds", "2", "--strategy-option", "server_momentum=0.25",
        "--out", out.path,
      ])
    #expect(run.status == 0, "\(run.stderr)")

    let history = try JSONSerialization.jsonObject(
      with: Data(contentsOf: out.appendingPathComponent("history.json")))
    let losses = try #require((history as? [String: Any])?["losses_centralized"] as? [Any])
    #expect(losses.count == 3, "round 0 and two rounds: the command line's --rounds 2 beats the file's 5")

    let settings = try Self.settings(out.appendingPathComponent("config.json"))
    #expect(settings["rounds"] == "2")
    #expect(settings["clients"] == "20")
    #expect(settings["model"] == "logreg")
    #expect(settings["local_epochs"] == "1")
    #expect(settings["fraction_fit"] == "0.5")
    #expect(settings["strategy"] == "fedavgm")
    #expect(settings["strategy_options"] == "server_learning_rate=0.9,server_momentum=0.25")
  }

  @Test func anUnknownKeyFailsWithItsLineOnStandardError() async throws {
    let dir = try Interop.temporaryDirectory("config-unknown")
    let file = dir.appendingPathComponent("bad.toml")
    try "rounds = 2\n\nbogus_key = 1\n".write(to: file, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("run")
    let run = try await CLIRun(["simulate", "--config=\(file.path)", "--out", out.path])
    #expect(run.status != 0)
    #expect(run.stderr.contains("\(file.path):3: unknown key \"bogus_key\" (known: "), "\(run.stderr)")
    #expect(run.stderr.contains("rounds"))
    #expect(!FileManager.default.fileExists(atPath: out.path))
  }

  @Test func aWrongTypeFailsWithTheKeyAndLine() async throws {
    let dir = try Interop.temporaryDirectory("config-type")
    let file = dir.appendingPathComponent("server.toml")
    try "address = \"127.0.0.1:0\"\nrounds = \"8\"\n".write(to: file, atomically: true, encoding: .utf8)
    let run = try await CLIRun(["server", "--config", file.path])
    #expect(run.status != 0)
    #expect(
      run.stderr.contains("\(file.path):2: \"rounds\" must be an integer, found a string"), "\(run.stderr)")
  }

  @Test func aSyntaxErrorOrAMissingFileFails() async throws {
    let dir = try Interop.temporaryDirectory("config-syntax")
    let file = dir.appendingPathComponent("broken.toml")
    try "rounds = 2\nclients = = 3\n".write(to: file, atomically: true, encoding: .utf8)
    let broken = try await CLIRun(["simulate", "--config", file.path])
    #expect(broken.status != 0)
    #expect(broken.stderr.contains("\(file.path):2:"), "\(broken.stderr)")
    #expect(broken.stderr.contains("TOML syntax error"))

    let missing = try await CLIRun(["simulate", "--config", dir.appendingPathComponent("none.toml").path])
    #expect(missing.status != 0)
    #expect(missing.stderr.contains("cannot read the configuration file"), "\(missing.stderr)")
  }

  @Test func theServerTakesItsSettingsFromTheFile() async throws {
    let dir = try Interop.temporaryDirectory("config-server")
    let file = dir.appendingPathComponent("server.toml")
    try """
    address = "127.0.0.1:0"
    rounds = 2
    min_clients = 1
    round_timeout = [20, 40, 60]
    strategy = "fedadam"

    [strategy-options]
    eta = 0.05
    """.write(to: file, atomically: true, encoding: .utf8)
    let server = try PeerProcess(
      name: "pollen-server-config", executable: Interop.pollen(),
      arguments: ["server", "--config", file.path],
      directory: dir)
    defer { server.kill() }
    let log = try await server.waitForOutput(containing: "listening on 127.0.0.1:", timeout: .seconds(60))
    #expect(!log.contains("8080"))
  }

  @Test func everyOptionOfServerAndSimulateHasAKey() async throws {
    for command in ["server", "simulate"] {
      let dump = try await CLIRun([command, "--experimental-dump-help"])
      let root = try #require(
        try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
      let arguments = try #require((root["command"] as? [String: Any])?["arguments"] as? [[String: Any]])
      let declared = Set(
        arguments.compactMap { argument -> String? in
          let names = (argument["names"] as? [[String: String]]) ?? []
          return names.first { $0["kind"] == "long" }?["name"]
        }
      ).subtracting(["help", "config"])

      let keys = try await CLIRun(["config-keys", command, "--plain"])
      #expect(keys.status == 0, "\(keys.stderr)")
      var kinds: [String: String] = [:]
      for line in keys.stdout.split(separator: "\n") {
        let fields = line.split(separator: "\t").map(String.init)
        if fields.count == 3 { kinds[fields[0]] = fields[2] }
      }
      // A flag with an inverse (--resume / --no-resume) is one key.
      let missing = declared.filter { kinds[$0] == nil && !Self.isInverse($0, of: kinds) }
      #expect(missing.isEmpty, "\(command): options without a config key: \(missing.sorted())")
      #expect(kinds["rounds"] == "int")
      #expect(kinds["strategy"] == "string")
      #expect(kinds["strategy-option"] == "table")
    }
    let server = try await CLIRun(["config-keys", "server", "--plain"])
    #expect(server.stdout.contains("fraction-fit\tfraction-fit\tdouble"))
    #expect(server.stdout.contains("round-timeout\tround-timeout\tcomma-list(double)"))
    #expect(server.stdout.contains("strategy-option\tstrategy-options,strategy-option\ttable"))
    let simulate = try await CLIRun(["config-keys", "simulate", "--plain"])
    #expect(simulate.stdout.contains("serialize\tserialize\tflag"))
    #expect(simulate.stdout.contains("seed\tseed\tint"))
    #expect(simulate.stdout.contains("fraction-evaluate\tfraction-evaluate\tdouble"))
  }

  @Test func helpShowsTheConfigOption() async throws {
    for command in ["server", "simulate"] {
      let help = try await CLIRun([command, "--help"])
      #expect(help.stdout.contains("--config <file.toml>"), "\(command): \(help.stdout)")
    }
  }

  /// Whether `name` is the inverse (`no-x`, `disable-x`) of a flag that has a key.
  private static func isInverse(_ name: String, of kinds: [String: String]) -> Bool {
    kinds.values.contains("flag(\(name))")
  }

  /// The settings of a run directory's config.json.
  private static func settings(_ url: URL) throws -> [String: String] {
    let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
    let pairs = try #require(root?["settings"] as? [[String]])
    return Dictionary(
      pairs.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }, uniquingKeysWith: { _, b in b })
  }
}

/// One run of the pollen binary to its end, with standard output and error kept apart.
private struct CLIRun {
  var status: Int32
  var stdout: String
  var stderr: String

  init(_ arguments: [String], timeout: Duration = .seconds(300)) async throws {
    let dir = try Interop.temporaryDirectory("cli-run")
    let outURL = dir.appendingPathComponent("stdout")
    let errURL = dir.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try Interop.pollen())
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    process.currentDirectoryURL = dir
    try process.run()
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while process.isRunning {
      if ContinuousClock.now >= deadline {
        process.terminate()
        process.waitUntilExit()
        throw InteropError("pollen \(arguments.joined(separator: " ")) did not finish within \(timeout)")
      }
      try await Task.sleep(for: .milliseconds(50))
    }
    status = process.terminationStatus
    stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
  }
}

import Foundation
import Testing

/// `pollen simulate --state … [--resume]`: a run SIGKILLed mid-way and resumed writes the same
/// bytes as an uninterrupted one, and every bad store gives its error and stays untouched.
@Suite(.serialized) struct SimulateResumeTests {
  static let arguments = [
    "simulate", "--strategy", "fedavgm", "--strategy-option", "server_momentum=0.9", "--rounds", "25",
    "--clients", "60", "--fraction-fit", "0.2", "--local-epochs", "10", "--plain",
  ]

  func simulate(_ extra: [String], in dir: URL, name: String = "simulate") throws -> PeerProcess {
    try PeerProcess(
      name: name, executable: Interop.pollen(), arguments: Self.arguments + extra, directory: dir)
  }

  /// The last completed round in a store (python's sqlite3, read-only; -1: none yet).
  func roundsDone(_ store: URL) async throws -> Int {
    let probe = try PeerProcess(
      name: "probe", executable: Interop.python(),
      arguments: [
        "-c",
        "import sqlite3,sys\ntry:\n c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro',uri=True);r=c.execute('select round from checkpoint').fetchone();print(r[0] if r else -1)\nexcept Exception:\n print(-1)",
        store.path,
      ])
    _ = try await probe.wait(timeout: .seconds(30))
    return Int(probe.output().trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
  }

  @Test func killedAndResumedWritesIdenticalOutputs() async throws {
    let dir = try Interop.temporaryDirectory("simulate-resume")
    let straight = try simulate(
      ["--state", dir.appendingPathComponent("a.db").path, "--out", dir.appendingPathComponent("a").path],
      in: dir)
    #expect(try await straight.wait(timeout: .seconds(300)) == 0, "\(straight.output())")

    let store = dir.appendingPathComponent("b.db")
    let out = dir.appendingPathComponent("b").path
    let first = try simulate(["--state", store.path, "--out", out], in: dir, name: "simulate-killed")
    // Kill as soon as the progress line of round 4 appears (watching the log costs no process).
    let deadline = ContinuousClock.now.advanced(by: .seconds(120))
    while !first.output().contains("round 4/25") {
      try #require(ContinuousClock.now < deadline, "no progress: \(first.output())")
      try await Task.sleep(for: .milliseconds(2))
    }
    first.kill()
    let killedAt = try await roundsDone(store)
    #expect(killedAt >= 4 && killedAt < 25, "killed mid-run (after round \(killedAt))")
    #expect(!FileManager.default.fileExists(atPath: out + "/history.json"))

    let resumed = try simulate(
      ["--state", store.path, "--resume", "--out", out], in: dir, name: "simulate-resumed")
    #expect(try await resumed.wait(timeout: .seconds(300)) == 0, "\(resumed.output())")
    for file in ["history.json", "parameters.npz"] {
      let a = try Data(contentsOf: dir.appendingPathComponent("a/\(file)"))
      let b = try Data(contentsOf: URL(fileURLWithPath: out + "/" + file))
      #expect(a == b, "\(file) differs after resuming from round \(killedAt)")
    }
    let history = try String(contentsOf: URL(fileURLWithPath: out + "/history.json"), encoding: .utf8)
    #expect(history.contains("[25, "), "all 25 rounds are in the history")

    // `pollen runs show` and `pollen report` read the finished store.
    let show = try PeerProcess(
      name: "runs-show", executable: Interop.pollen(), arguments: ["runs", "show", store.path])
    #expect(try await show.wait(timeout: .seconds(30)) == 0)
    #expect(show.output().contains("finished (25 rounds)") && show.output().contains("strategy = fedavgm"))
    #expect(show.output().contains("centralised accuracy"), "\(show.output())")
    let report = try PeerProcess(
      name: "report", executable: Interop.pollen(), arguments: ["report", store.path])
    #expect(try await report.wait(timeout: .seconds(30)) == 0, "\(report.output())")
    let html = try String(contentsOf: dir.appendingPathComponent("b.html"), encoding: .utf8)
    #expect(html.contains("accuracy-plot") && html.contains("duration-plot"))
  }

  /// Runs `pollen simulate` with `extra` and expects a non-zero exit whose output contains `message`.
  func refused(_ extra: [String], _ message: String, in dir: URL) async throws {
    let p = try simulate(extra, in: dir, name: "simulate-refused")
    let status = try await p.wait(timeout: .seconds(120))
    #expect(status != 0, "accepted \(extra)")
    #expect(p.output().contains(message), "\(extra): expected \"\(message)\" in:\n\(p.output())")
  }

  @Test func badStoresAreRefusedAndLeftUntouched() async throws {
    let dir = try Interop.temporaryDirectory("simulate-refusals")
    let store = dir.appendingPathComponent("s.db")
    let ok = try simulate(["--state", store.path, "--out", dir.appendingPathComponent("s").path], in: dir)
    #expect(try await ok.wait(timeout: .seconds(300)) == 0, "\(ok.output())")
    let finished = try Data(contentsOf: store)
    try await refused(["--state", store.path, "--resume"], "already finished", in: dir)
    try await refused(["--state", store.path], "already holds a run", in: dir)
    #expect(try Data(contentsOf: store) == finished)

    // The same run, not finished (as after a kill), resumed with another setting.
    let open = dir.appendingPathComponent("open.db")
    try finished.write(to: open)
    try await Interop.sqlite(open.path, "update run set finished_rounds = null")
    let unfinished = try Data(contentsOf: open)
    var other = Self.arguments
    other[other.firstIndex(of: "25")!] = "30"
    let p = try PeerProcess(
      name: "other-rounds", executable: Interop.pollen(),
      arguments: other + ["--state", open.path, "--resume"], directory: dir)
    #expect(try await p.wait(timeout: .seconds(120)) != 0)
    #expect(
      p.output().contains("setting \"rounds\" differs") && p.output().contains("\"25\"")
        && p.output().contains("\"30\""), "\(p.output())")
    try await refused(["--state", open.path, "--resume", "--seed", "7"], "setting \"seed\" differs", in: dir)
    #expect(try Data(contentsOf: open) == unfinished)

    // Newer schema, truncated, corrupt, missing, and --resume without --state.
    let newer = dir.appendingPathComponent("newer.db")
    try unfinished.write(to: newer)
    try await Interop.sqlite(newer.path, "insert into grdb_migrations values ('v2-from-the-future')")
    let newerBytes = try Data(contentsOf: newer)
    try await refused(["--state", newer.path, "--resume"], "newer Pollen", in: dir)
    #expect(try Data(contentsOf: newer) == newerBytes)
    let truncated = dir.appendingPathComponent("truncated.db")
    try unfinished.prefix(unfinished.count / 3).write(to: truncated)
    try await refused(["--state", truncated.path, "--resume"], truncated.path, in: dir)
    #expect(try Data(contentsOf: truncated) == unfinished.prefix(unfinished.count / 3))
    let corrupt = dir.appendingPathComponent("corrupt.db")
    try Data("SQLite format 3\0".utf8 + [UInt8](repeating: 0xAB, count: 8192)).write(to: corrupt)
    let corruptBytes = try Data(contentsOf: corrupt)
    try await refused(["--state", corrupt.path, "--resume"], corrupt.path, in: dir)
    #expect(try Data(contentsOf: corrupt) == corruptBytes)
    try await refused(
      ["--state", dir.appendingPathComponent("none.db").path, "--resume"], "no such run store", in: dir)
    try await refused(["--resume"], "--resume needs --state", in: dir)
  }
}

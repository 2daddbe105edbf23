import Foundation
import PollenTesting
import Testing

/// Where the interop tests find their peers: the Python interpreter with Flower 1.41 and the
/// `pollen` binary. Missing peers fail the test with instructions; they are never skipped.
enum Interop {
  /// The package root, from this file's path.
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// `Tests/InteropTests/python/NAME`.
  static func script(_ name: String) -> String {
    packageRoot.appendingPathComponent("Tests/InteropTests/python/\(name)").path
  }

  /// `$POLLEN_PYTHON`, else `.venv/bin/python` in the package root.
  static func python() throws -> String {
    let path =
      ProcessInfo.processInfo.environment["POLLEN_PYTHON"]
      ?? packageRoot.appendingPathComponent(".venv/bin/python").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw InteropError(
        "no Python with flwr 1.41 at \(path): set POLLEN_PYTHON to a venv's python with `pip install flwr==1.41.0` "
          + "(Scripts/test.sh creates .venv for you)")
    }
    return path
  }

  /// `$POLLEN_BIN`, else `.build/debug/pollen` in the package root.
  static func pollen() throws -> String {
    let path =
      ProcessInfo.processInfo.environment["POLLEN_BIN"]
      ?? packageRoot.appendingPathComponent(".build/debug/pollen").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw InteropError("no pollen binary at \(path): run `swift build` first, or set POLLEN_BIN")
    }
    return path
  }

  /// A free TCP port on 127.0.0.1 (asked from Python, which binds port 0).
  static func freePort() async throws -> Int {
    let probe = try PeerProcess(name: "free-port", executable: python(), arguments: [script("free_port.py")])
    guard try await probe.wait(timeout: .seconds(30)) == 0,
      let port = Int(probe.output().trimmingCharacters(in: .whitespacesAndNewlines))
    else { throw InteropError("could not find a free port: \(probe.output())") }
    return port
  }

  /// A fresh temporary directory, removed when the test process exits (``TemporaryPaths``).
  static func temporaryDirectory(_ name: String) throws -> URL {
    try TemporaryPaths.directory("interop-\(name)")
  }
}

struct InteropError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// A child process whose stdout and stderr go to one log file, killed if it outlives its time.
final class PeerProcess: @unchecked Sendable {
  let name: String
  let log: URL
  private let process = Process()
  private let ownsLog: Bool

  init(name: String, executable: String, arguments: [String], directory: URL? = nil) throws {
    self.name = name
    ownsLog = directory == nil
    log = (directory ?? FileManager.default.temporaryDirectory).appendingPathComponent(
      "\(name)-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = handle
    process.standardError = handle
    var environment = ProcessInfo.processInfo.environment
    environment["PYTHONUNBUFFERED"] = "1"
    process.environment = environment
    try process.run()
  }

  /// Everything the process printed so far.
  func output() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

  /// Waits for the exit status; kills the process and throws if it takes longer than `timeout`
  /// (the error holds its output and that of its `peers`, e.g. the server a client waits for).
  @discardableResult
  func wait(timeout: Duration, peers: [PeerProcess] = []) async throws -> Int32 {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while process.isRunning {
      if ContinuousClock.now >= deadline {
        kill()
        let others = peers.map { "\n\($0.name)'s output:\n\($0.output())" }.joined()
        throw InteropError(
          "\(name) did not finish within \(timeout); killed. Its output:\n\(output())\(others)")
      }
      try await Task.sleep(for: .milliseconds(50))
    }
    return process.terminationStatus
  }

  /// Waits until the output contains `text`; throws (and kills the process) after `timeout` or
  /// if the process exits first.
  func waitForOutput(containing text: String, timeout: Duration) async throws -> String {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
      let out = output()
      if out.contains(text) { return out }
      if !process.isRunning { throw InteropError("\(name) exited before printing \"\(text)\":\n\(out)") }
      if ContinuousClock.now >= deadline {
        kill()
        throw InteropError("\(name) did not print \"\(text)\" within \(timeout):\n\(out)")
      }
      try await Task.sleep(for: .milliseconds(50))
    }
  }

  /// Sends `signal` (e.g. SIGTERM) to the process.
  func signal(_ signal: Int32) {
    if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
  }

  /// Kills the process if it still runs (SIGKILL, so nothing lingers).
  func kill() {
    if process.isRunning {
      Foundation.kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }

  /// Kills the process and removes its log when the log was in the shared temporary directory
  /// (a failing check has already copied the output into its message).
  deinit {
    kill()
    if ownsLog { try? FileManager.default.removeItem(at: log) }
  }
}

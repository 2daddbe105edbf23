import ArgumentParser
import Foundation

/// A child process whose output goes to a log file, for commands that orchestrate others
/// (`pollen baseline figure5 --network real`).
final class ChildProcess: @unchecked Sendable {
  let log: URL
  private let process = Process()

  /// Starts `executable` with `arguments`, writing stdout and stderr to `log`.
  init(_ executable: String, _ arguments: [String], log: URL, environment: [String: String] = [:]) throws {
    self.log = log
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = handle
    process.standardError = handle
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    try process.run()
  }

  /// What the process printed so far.
  var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

  var isRunning: Bool { process.isRunning }

  /// Waits for the process to exit (killing it after `timeout`); its exit status.
  @discardableResult
  func wait(timeout: Duration) async throws -> Int32 {
    let deadline = ContinuousClock.now + timeout
    while process.isRunning {
      if ContinuousClock.now >= deadline {
        kill()
        throw ValidationError("\(log.lastPathComponent): no exit within \(timeout); killed")
      }
      try await Task.sleep(for: .milliseconds(50))
    }
    return process.terminationStatus
  }

  /// Waits until the output contains `text` (throws if the process exits first or `timeout` passes).
  func waitForOutput(_ text: String, timeout: Duration) async throws {
    let deadline = ContinuousClock.now + timeout
    while !output.contains(text) {
      guard process.isRunning else { throw ValidationError("\(log.lastPathComponent) exited:\n\(output)") }
      guard ContinuousClock.now < deadline else {
        throw ValidationError("\(log.lastPathComponent): no \"\(text)\" in \(timeout)")
      }
      try await Task.sleep(for: .milliseconds(50))
    }
  }

  /// Sends SIGKILL if the process still runs.
  func kill() {
    guard process.isRunning else { return }
    Foundation.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  deinit { kill() }
}

import Foundation
import Testing

/// Runs `python/fleet_objects.py` with the Python that has Flower 1.41: `$POLLEN_PYTHON` (set by
/// Scripts/test.sh), else `.venv/bin/python` in the package root, as the interop tests find it.
/// A missing interpreter fails the tests with instructions; they are never skipped.
enum FlowerPython {
  /// The package root, from this file's path.
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// `Tests/PollenFleetProtoTests/python/fleet_objects.py`.
  static var script: String {
    packageRoot.appendingPathComponent("Tests/PollenFleetProtoTests/python/fleet_objects.py").path
  }

  static func python() throws -> String {
    let path =
      ProcessInfo.processInfo.environment["POLLEN_PYTHON"]
      ?? packageRoot.appendingPathComponent(".venv/bin/python").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw FlowerPythonError(
        "no Python with flwr 1.41 at \(path): set POLLEN_PYTHON to a venv's python with `pip install flwr==1.41.0` "
          + "(Scripts/test.sh creates .venv for you)")
    }
    return path
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pollen-fleet-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Runs the script with `arguments`; throws with its output if it fails or takes over 2 minutes.
  static func run(_ arguments: [String]) throws {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fleet-objects-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    let handle = try FileHandle(forWritingTo: log)
    defer { try? handle.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try python())
    process.arguments = [script] + arguments
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    let deadline = Date().addingTimeInterval(120)
    while process.isRunning {
      if Date() > deadline {
        process.terminate()
        process.waitUntilExit()
        throw FlowerPythonError("fleet_objects.py \(arguments.first ?? "") took over 2 minutes; killed")
      }
      Thread.sleep(forTimeInterval: 0.05)
    }
    guard process.terminationStatus == 0 else {
      let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      throw FlowerPythonError(
        "fleet_objects.py \(arguments.first ?? "") exited \(process.terminationStatus):\n\(output)")
    }
  }
}

struct FlowerPythonError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

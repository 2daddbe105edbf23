import Foundation
import Testing

/// An array as numpy loads it from an `.npz`.
struct NumpyArray {
  var dtype: String
  var shape: [Int]
  var values: [Double]
}

extension Interop {
  /// Starts `pollen server --address 127.0.0.1:PORT ARGUMENTS` and waits until it listens;
  /// returns the process and what it printed by then.
  static func startPollenServer(
    port: Int, _ arguments: [String], directory: URL, name: String = "pollen-server"
  ) async throws -> (server: PeerProcess, startup: String) {
    let server = try PeerProcess(
      name: name, executable: pollen(), arguments: ["server", "--address", "127.0.0.1:\(port)"] + arguments,
      directory: directory)
    let startup = try await server.waitForOutput(
      containing: "listening on 127.0.0.1:\(port)", timeout: .seconds(60))
    return (server, startup)
  }

  /// Runs one SQL statement on the SQLite file at `path` with Python's sqlite3 (tests use it
  /// to make stores a run would not: unfinished, from a newer schema).
  static func sqlite(_ path: String, _ sql: String) async throws {
    let process = try PeerProcess(
      name: "sqlite", executable: python(),
      arguments: [
        "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", path,
        sql,
      ])
    let status = try await process.wait(timeout: .seconds(30))
    try #require(status == 0, "sqlite3 failed on \(path):\n\(process.output())")
  }

  /// The arrays of an `.npz` as numpy loads them, by name (`arr_0`, …).
  static func loadNPZ(_ npz: URL) async throws -> [String: NumpyArray] {
    let reader = try PeerProcess(
      name: "npz", executable: python(), arguments: [script("npz_to_json.py"), npz.path])
    let status = try await reader.wait(timeout: .seconds(60))
    try #require(status == 0, "numpy.load failed on \(npz.path):\n\(reader.output())")
    let json = try #require(reader.output().split(separator: "\n").last.map(String.init))
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: Any]])
    return object.mapValues { entry in
      NumpyArray(
        dtype: entry["dtype"] as? String ?? "", shape: entry["shape"] as? [Int] ?? [],
        values: entry["values"] as? [Double] ?? [])
    }
  }
}

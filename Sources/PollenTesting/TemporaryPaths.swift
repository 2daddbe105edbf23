import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Paths in the system's temporary directory that a test process makes and removes when it
/// exits normally.
///
/// Tests keep run stores, CSV files and their peers' working directories and logs there; before
/// this, every test run left about eighty behind. A failing expectation carries the output needed
/// to debug it (the interop tests put their peers' logs in their messages), so nothing is lost
/// when the paths go; a process that crashes keeps them.
public enum TemporaryPaths {
  private static let made = Mutex<[String]>([])
  private static let removal: Void = { _ = atexit { TemporaryPaths.removeAll() } }()

  /// A fresh path `pollen-NAME-UUIDSUFFIX` in the temporary directory, not created; it and any
  /// SQLite files beside it (`-wal`, `-shm`, `-journal`) are removed at exit.
  public static func path(_ name: String, suffix: String = "") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pollen-\(name)-\(UUID().uuidString)\(suffix)")
    register(url)
    return url
  }

  /// A fresh, empty directory `pollen-NAME-UUID` in the temporary directory, removed at exit with
  /// what it holds.
  ///
  /// - Throws: what creating the directory throws.
  public static func directory(_ name: String) throws -> URL {
    let url = path(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  private static func register(_ url: URL) {
    _ = removal
    made.withLock { $0.append(url.path) }
  }

  private static func removeAll() {
    for path in made.withLock({ $0 }) {
      for candidate in [path, path + "-wal", path + "-shm", path + "-journal"] {
        try? FileManager.default.removeItem(atPath: candidate)
      }
    }
  }
}

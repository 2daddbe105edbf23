import Foundation

/// The committed fuzzing corpus (`Fuzz/Corpus/<target>/`), where crash reproducers live beside
/// the seeds, so a test can replay the input a fuzzer found.
public enum FuzzCorpus {
  /// The bytes of `Fuzz/Corpus/<target>/<name>` in this checkout.
  public static func file(_ target: String, _ name: String, filePath: String = #filePath) throws -> Data {
    var root = URL(fileURLWithPath: filePath)
    while root.pathComponents.count > 1 {
      root.deleteLastPathComponent()
      let candidate = root.appendingPathComponent("Fuzz/Corpus/\(target)/\(name)")
      if FileManager.default.fileExists(atPath: candidate.path) { return try Data(contentsOf: candidate) }
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fuzz/Corpus/\(target)/\(name)"])
  }
}

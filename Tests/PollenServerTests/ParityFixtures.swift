import Foundation
import PollenCore
import Testing

/// Reads the strategy-parity fixtures written by `shared/parity/generate.py` (Flower's own
/// strategies). From `$POLLEN_PARITY_FIXTURES` when set, else from the test resources.
enum ParityFixtures {
  static var directory: URL {
    if let dir = ProcessInfo.processInfo.environment["POLLEN_PARITY_FIXTURES"], !dir.isEmpty {
      return URL(fileURLWithPath: dir)
    }
    // `.copy("Resources")` puts the folder inside the bundle; Foundation's `resourceURL` is the
    // bundle itself on some platforms and its `Resources` folder on others (Linux), so look in both.
    let candidates = [Bundle.module.resourceURL, Bundle.module.bundleURL].compactMap { $0 }.flatMap {
      [$0.appendingPathComponent("Resources/parity"), $0.appendingPathComponent("parity")]
    }
    return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
  }

  /// The fixture `name` (without `.json`) as a JSON object, from `directory` (default: the
  /// environment's or the resources'); fails the test loudly if missing.
  static func load(_ name: String, from directory: URL? = nil) throws -> [String: Any] {
    let directory = directory ?? Self.directory
    let url = directory.appendingPathComponent(name + ".json")
    guard let data = FileManager.default.contents(atPath: url.path) else {
      Issue.record("parity fixture \(name).json is missing from \(directory.path)")
      throw FixtureError.missing(url.path)
    }
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      Issue.record("parity fixture \(name).json is not a JSON object")
      throw FixtureError.unreadable(url.path)
    }
    return object
  }

  enum FixtureError: Error { case missing(String), unreadable(String) }

  /// An array from `{"dtype": "float32", "shape": [...], "data": [...]}`.
  static func array(_ json: Any) -> NDArray {
    let o = json as! [String: Any]
    let shape = (o["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
    let data = (o["data"] as! [Any]).map { ($0 as! NSNumber).doubleValue }
    let dtype = DType(rawValue: o["dtype"] as! String) ?? .float64
    return NDArray(doubles: data, dtype: dtype, shape: shape)
  }

  static func arrays(_ json: Any) -> [NDArray] { (json as! [Any]).map(array) }

  /// Asserts `actual` matches `expected` within relative 1e-5 and absolute 1e-6 (numpy's isclose).
  static func expectClose(
    _ actual: [NDArray], _ expected: [NDArray], rtol: Double = 1e-5, atol: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (a, e) in zip(actual, expected) {
      #expect(a.shape == e.shape, sourceLocation: sourceLocation)
      for (x, y) in zip(a.doubles(), e.doubles()) where abs(x - y) > atol + rtol * abs(y) {
        Issue.record("value \(x) differs from Flower's \(y)", sourceLocation: sourceLocation)
        return
      }
    }
  }
}

import Foundation
import PollenCore
import PollenData

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("pollen-data-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  /// Writes `data` to `name` in the directory and returns its URL.
  @discardableResult
  func write(_ name: String, _ data: Data) throws -> URL {
    let file = url.appendingPathComponent(name)
    try data.write(to: file)
    return file
  }

  /// Writes `text` (UTF-8) to `name` and returns its URL.
  @discardableResult
  func write(_ name: String, text: String) throws -> URL {
    try write(name, Data(text.utf8))
  }

  func remove() {
    try? FileManager.default.removeItem(at: url)
  }
}

/// A data set of `perClass[c]` examples of class `c`, one feature holding the example index.
func labelledDataset(perClass: [Int]) -> Dataset {
  let labels = perClass.enumerated().flatMap { c, n in [Int32](repeating: Int32(c), count: n) }
  return Dataset(
    features: labels.indices.map { Float($0) }, featureShape: [1], labels: labels,
    numClasses: perClass.count)
}

/// Shannon entropy (nats) of the labels of `indices`.
func labelEntropy(_ dataset: Dataset, _ indices: [Int]) -> Double {
  let counts = dataset.classCounts(indices)
  let total = Double(indices.count)
  return counts.reduce(0.0) { sum, n in
    n == 0 ? sum : sum - Double(n) / total * log(Double(n) / total)
  }
}

/// Checks the partitioner contract: `numPartitions` lists, indices in range, none repeated.
/// Returns the number of distinct indices used.
func checkDisjoint(_ parts: [[Int]], count: Int) -> (disjoint: Bool, used: Int) {
  var seen = [Bool](repeating: false, count: count)
  for part in parts {
    for i in part {
      guard i >= 0 && i < count && !seen[i] else { return (false, 0) }
      seen[i] = true
    }
  }
  return (true, seen.lazy.filter { $0 }.count)
}

/// The message of a thrown ``PollenError``, or `nil` if `body` did not throw one.
func pollenErrorMessage(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch let error as PollenError {
    return error.message
  } catch {
    return "unexpected \(type(of: error)): \(error)"
  }
}

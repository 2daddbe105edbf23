import Foundation
import PollenCore

extension ClientProfiles {
  /// A stand-in for the network profile of the Flower paper's Figure 5: 40 "countries" in
  /// descending order of speed, 20 fast ones with mean download ≈ 40.1 Mbit/s and 20 slow ones
  /// with mean ≈ 6.76 Mbit/s (the survey figures the paper quotes). Per-country speeds are spread
  /// around those means (seeded, then rescaled so each group's mean is exact); upload is a
  /// third of download (typical of 4G); every client trains at `examplesPerSecond` and is
  /// always available. The paper's exact per-country speeds are not published.
  public static func figure5(seed: UInt64 = 0, examplesPerSecond: Double = 200) -> ClientProfiles {
    var rng = SeededRandom.derived(seed: seed, stream: 0xF165)
    func group(mean: Double, spread: Double) -> [Double] {
      let raw = (0..<20).map { _ in max(0.2, 1 + spread * (2 * rng.nextUnit() - 1)) }
      let scale = mean / (raw.reduce(0, +) / 20)
      return raw.map { $0 * scale }.sorted(by: >)
    }
    let down = group(mean: 40.1, spread: 0.5) + group(mean: 6.76, spread: 0.5)
    // swift-format-ignore: NeverUseForceTry
    return try! ClientProfiles(
      down.map { d in
        try! ClientProfile(examplesPerSecond: examplesPerSecond, downMbps: d, upMbps: d / 3, availability: 1)
      })
  }

  /// Writes ``figure5(seed:examplesPerSecond:)`` (or any table) as CSV to `path`.
  public func writeCSV(toFile path: String) throws {
    do {
      try Data(csv.utf8).write(to: URL(fileURLWithPath: path))
    } catch {
      throw PollenError(.invalidArgument, "cannot write profiles file \(path): \(error)")
    }
  }
}

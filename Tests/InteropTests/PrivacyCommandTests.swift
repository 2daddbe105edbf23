import Foundation
import Testing

/// `pollen privacy epsilon|noise` against the dp-accounting 0.6.0 fixtures of PollenPrivacyTests
/// (`Tests/PollenPrivacyTests/Resources/accounting.json`).
@Suite("pollen privacy")
struct PrivacyCommandTests {
  /// The fixture list `section`, as dictionaries.
  func fixtures(_ section: String) throws -> [[String: Any]] {
    let url = Interop.packageRoot.appendingPathComponent("Tests/PollenPrivacyTests/Resources/accounting.json")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
    return try #require(json?[section] as? [[String: Any]])
  }

  /// The fixture of `section` with these fields.
  func fixture(_ section: String, _ fields: [String: AnyHashable]) throws -> [String: Any] {
    try #require(
      try fixtures(section).first { c in fields.allSatisfy { key, value in (c[key] as? AnyHashable) == value }
      })
  }

  /// Runs `pollen privacy …` and returns the number printed after `label = `.
  func run(_ arguments: [String], label: String) async throws -> Double {
    let p = try PeerProcess(
      name: "pollen-privacy", executable: Interop.pollen(), arguments: ["privacy"] + arguments)
    let status = try await p.wait(timeout: .seconds(120))
    let output = p.output()
    #expect(status == 0, "\(output)")
    let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("\(label) = ") }, "\(output)")
    let number = line.dropFirst(label.count + 3).prefix { !$0.isWhitespace }
    return try #require(Double(String(number)), "\(output)")
  }

  @Test("epsilon prints dp-accounting's ε (RDP with its optimal order, and PLD)")
  func epsilon() async throws {
    let mechanism: [String: AnyHashable] = [
      "noise_multiplier": 1.1, "sampling_rate": 0.01, "sampling": "poisson", "steps": 1000, "delta": 1e-5,
    ]
    let arguments = [
      "epsilon", "--noise-multiplier", "1.1", "--sampling-rate", "0.01", "--steps", "1000", "--delta", "1e-5",
    ]
    for (kind, tolerance) in [("rdp", 1e-6), ("pld", 1e-3)] {
      let expected = try #require(try fixture(kind, mechanism)["epsilon"] as? Double)
      let epsilon = try await run(arguments + ["--accountant", kind], label: "epsilon")
      #expect(abs(epsilon - expected) <= tolerance * expected, "\(kind): \(epsilon) vs \(expected)")
    }
  }

  @Test("noise prints calibrate_dp_mechanism's z")
  func noise() async throws {
    let c = try fixture(
      "calibration", ["accountant": "rdp", "sampling": "poisson", "steps": 1000, "sampling_rate": 0.01])
    let expected = try #require(c["noise_multiplier"] as? Double)
    let z = try await run(
      [
        "noise", "--epsilon", "\(c["epsilon"]!)", "--sampling-rate", "0.01", "--steps", "1000", "--delta",
        "\(c["delta"]!)",
      ], label: "noise multiplier")
    #expect(abs(z - expected) <= 1e-5 * expected, "\(z) vs \(expected)")
  }
}

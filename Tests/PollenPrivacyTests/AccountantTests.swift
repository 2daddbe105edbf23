import Foundation
import PollenCore
import PollenPrivacy
import Testing

/// `Resources/accounting.json`, written by `Scripts/parity/privacy_accounting.py` with
/// dp-accounting 0.6.0.
struct AccountingFixtures: Decodable {
  struct Case: Decodable {
    var noiseMultiplier: Double
    var samplingRate: Double
    var sampling: String
    var steps: Int
    var delta: Double
    var epsilon: Double
    var order: Double?
  }

  struct Calibration: Decodable {
    var accountant: String
    var epsilon: Double
    var delta: Double
    var samplingRate: Double
    var sampling: String
    var steps: Int
    var noiseMultiplier: Double
  }

  var generator: String
  var rdp: [Case]
  var pld: [Case]
  var rdpDelta: [Case]
  var pldDelta: [Case]
  var calibration: [Calibration]

  static let shared: AccountingFixtures = {
    let url =
      Bundle.module.url(forResource: "accounting", withExtension: "json", subdirectory: "Resources")
      ?? Bundle.module.bundleURL.appendingPathComponent("Resources/accounting.json")
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    do {
      return try decoder.decode(AccountingFixtures.self, from: Data(contentsOf: url))
    } catch {
      fatalError("cannot read \(url.path): \(error)")
    }
  }()
}

extension PrivacySampling {
  init(fixture name: String) {
    switch name {
    case "poisson": self = .poisson
    case "without_replacement": self = .withoutReplacement
    default: self = .none
    }
  }
}

/// |actual − expected| / |expected|; 0 when both are equal (0 or ∞ included).
func relativeError(_ actual: Double, _ expected: Double) -> Double {
  if actual == expected { return 0 }
  if !actual.isFinite || !expected.isFinite || expected == 0 { return .infinity }
  return abs(actual - expected) / abs(expected)
}

func accountant(_ kind: PrivacyAccountantKind, composing c: AccountingFixtures.Case) throws
  -> any PrivacyAccountant
{
  var a = kind.makeAccountant()
  try a.compose(
    noiseMultiplier: c.noiseMultiplier, samplingRate: c.samplingRate,
    sampling: PrivacySampling(fixture: c.sampling),
    steps: c.steps)
  return a
}

@Suite("Privacy accountants against dp-accounting 0.6.0")
struct AccountantTests {
  let fixtures = AccountingFixtures.shared

  @Test("the fixtures come from dp-accounting 0.6.0 and cover the grid")
  func fixturesCoverTheGrid() {
    #expect(fixtures.generator == "dp-accounting 0.6.0")
    #expect(fixtures.rdp.count >= 480)
    #expect(Set(fixtures.rdp.map(\.sampling)) == ["poisson", "without_replacement", "none"])
    #expect(fixtures.pld.count >= 100)
  }

  @Test("RDP: ε and the optimal order match dp-accounting to 1e-6 relative on every fixture")
  func rdpMatches() throws {
    var worst = 0.0
    for c in fixtures.rdp {
      let a = try #require(try accountant(.rdp, composing: c) as? RDPAccountant)
      let (epsilon, order) = try a.epsilonAndOrder(delta: c.delta)
      let error = relativeError(epsilon, c.epsilon)
      worst = max(worst, error)
      #expect(error <= 1e-6, "\(c): ε = \(epsilon)")
      if let expected = c.order { #expect(order == expected, "\(c): order \(order)") }
    }
    #expect(worst <= 1e-6)
  }

  @Test("RDP: δ for ε matches dp-accounting")
  func rdpDelta() throws {
    for c in fixtures.rdpDelta {
      let a = try #require(try accountant(.rdp, composing: c) as? RDPAccountant)
      let delta = try a.delta(epsilon: c.epsilon)
      #expect(relativeError(delta, c.delta) <= 1e-6, "\(c): δ = \(delta)")
    }
  }

  @Test("PLD: ε matches dp-accounting to 1e-3 relative on every fixture")
  func pldMatches() throws {
    var worst = 0.0
    var previous: (key: String, accountant: any PrivacyAccountant)?
    for c in fixtures.pld {
      // Consecutive fixtures differ only in δ: compose once per mechanism.
      let key = "\(c.noiseMultiplier) \(c.samplingRate) \(c.sampling) \(c.steps)"
      let a = try previous?.key == key ? previous!.accountant : accountant(.pld, composing: c)
      previous = (key, a)
      let epsilon = try a.epsilon(delta: c.delta)
      let error = relativeError(epsilon, c.epsilon)
      worst = max(worst, error)
      #expect(error <= 1e-3, "\(c): ε = \(epsilon)")
    }
    #expect(worst <= 1e-3)
  }

  @Test("PLD: δ for ε matches dp-accounting")
  func pldDelta() throws {
    for c in fixtures.pldDelta {
      let a = try #require(try accountant(.pld, composing: c) as? PLDAccountant)
      let delta = try a.delta(epsilon: c.epsilon)
      #expect(relativeError(delta, c.delta) <= 1e-3, "\(c): δ = \(delta)")
    }
  }

  @Test("calibration: z matches calibrate_dp_mechanism, meets the budget, and 1% less does not")
  func calibrationRoundTrips() throws {
    for c in fixtures.calibration {
      let kind = try #require(PrivacyAccountantKind(rawValue: c.accountant))
      let sampling = PrivacySampling(fixture: c.sampling)
      let z = try PrivacyCalibration.noiseMultiplier(
        epsilon: c.epsilon, delta: c.delta, samplingRate: c.samplingRate, sampling: sampling, steps: c.steps,
        accountant: kind)
      #expect(abs(z - c.noiseMultiplier) <= 1e-5 * c.noiseMultiplier, "\(c): z = \(z)")
      func epsilon(_ z: Double) throws -> Double {
        var a = kind.makeAccountant()
        try a.compose(noiseMultiplier: z, samplingRate: c.samplingRate, sampling: sampling, steps: c.steps)
        return try a.epsilon(delta: c.delta)
      }
      #expect(try epsilon(z) <= c.epsilon, "\(c)")
      #expect(try epsilon(z * 0.99) > c.epsilon, "\(c)")
    }
  }

  @Test("calibration: nothing to protect needs no noise; bad targets throw")
  func calibrationEdges() throws {
    #expect(
      try PrivacyCalibration.noiseMultiplier(
        epsilon: 1, delta: 1e-5, samplingRate: 0.1, sampling: .poisson, steps: 0, accountant: .rdp) == 0)
    for (epsilon, delta) in [(0.0, 1e-5), (-1, 1e-5), (.infinity, 1e-5), (1, 0), (1, 1)] {
      #expect(throws: PollenError.self) {
        try PrivacyCalibration.noiseMultiplier(
          epsilon: epsilon, delta: delta, samplingRate: 0.1, sampling: .poisson, steps: 10, accountant: .rdp)
      }
    }
    #expect(throws: PollenError.self) {
      try PrivacyCalibration.noiseMultiplier(
        epsilon: 1, delta: 1e-5, samplingRate: 0.1, sampling: .withoutReplacement, steps: 10, accountant: .pld
      )
    }
  }

  @Test("nothing composed: ε = 0", arguments: PrivacyAccountantKind.allCases)
  func nothingComposed(kind: PrivacyAccountantKind) throws {
    var a = kind.makeAccountant()
    #expect(try a.epsilon(delta: 1e-5) == 0)
    try a.compose(noiseMultiplier: 1, samplingRate: 0.1, sampling: .poisson, steps: 0)
    try a.compose(noiseMultiplier: 1, samplingRate: 0, sampling: .poisson, steps: 10)
    #expect(try a.epsilon(delta: 1e-5) == 0)
  }

  @Test("no noise: ε = ∞", arguments: PrivacyAccountantKind.allCases)
  func noNoise(kind: PrivacyAccountantKind) throws {
    var a = kind.makeAccountant()
    try a.compose(noiseMultiplier: 0, samplingRate: 0.1, sampling: .poisson, steps: 1)
    #expect(try a.epsilon(delta: 1e-5) == .infinity)
  }

  @Test("invalid arguments throw", arguments: PrivacyAccountantKind.allCases)
  func invalidArguments(kind: PrivacyAccountantKind) throws {
    var a = kind.makeAccountant()
    let bad: [(z: Double, q: Double, steps: Int)] = [
      (-0.1, 0.1, 1), (.nan, 0.1, 1), (.infinity, 0.1, 1), (1, -0.1, 1), (1, 1.1, 1), (1, .nan, 1),
      (1, 0.1, -1),
    ]
    for (z, q, steps) in bad {
      #expect(throws: PollenError.self) {
        try a.compose(noiseMultiplier: z, samplingRate: q, sampling: .poisson, steps: steps)
      }
    }
    for delta in [0.0, 1.0, -1e-5, 2, .nan] {
      #expect(throws: PollenError.self) { try a.epsilon(delta: delta) }
    }
    do {
      try a.compose(noiseMultiplier: -1, samplingRate: 0.1, sampling: .poisson, steps: 1)
      Issue.record("no error")
    } catch let error as PollenError {
      #expect(error.code == .invalidArgument)
    }
  }

  @Test("PLD refuses sampling without replacement, as dp-accounting does")
  func pldWithoutReplacement() {
    var a = PLDAccountant()
    #expect(throws: PollenError.self) {
      try a.compose(noiseMultiplier: 1, samplingRate: 0.1, sampling: .withoutReplacement, steps: 1)
    }
  }

  @Test(
    "RDP: composing in pieces equals composing at once",
    arguments: [PrivacySampling.poisson, .withoutReplacement, .none])
  func rdpPieces(sampling: PrivacySampling) throws {
    var once = RDPAccountant()
    try once.compose(noiseMultiplier: 1.1, samplingRate: 0.01, sampling: sampling, steps: 100)
    var pieces = RDPAccountant()
    for steps in [1, 9, 40, 50] {
      try pieces.compose(noiseMultiplier: 1.1, samplingRate: 0.01, sampling: sampling, steps: steps)
    }
    for (x, y) in zip(once.rdp, pieces.rdp) { #expect(relativeError(x, y) <= 1e-12) }
    #expect(relativeError(try pieces.epsilon(delta: 1e-5), try once.epsilon(delta: 1e-5)) <= 1e-12)
  }

  @Test("PLD: composing in pieces equals composing at once (Poisson)")
  func pldPieces() throws {
    var once = PLDAccountant()
    try once.compose(noiseMultiplier: 2, samplingRate: 0.01, sampling: .poisson, steps: 20)
    var pieces = PLDAccountant()
    for steps in [1, 4, 15] {
      try pieces.compose(noiseMultiplier: 2, samplingRate: 0.01, sampling: .poisson, steps: steps)
    }
    for delta in [1e-5, 1e-6] {
      #expect(relativeError(try pieces.epsilon(delta: delta), try once.epsilon(delta: delta)) <= 1e-6)
    }
  }

  @Test("PLD's ε is no larger than RDP's on the shared Poisson fixtures")
  func pldIsTighter() throws {
    for c in fixtures.pld where c.sampling == "poisson" && c.steps == 100 && c.delta == 1e-5 {
      let rdp = fixtures.rdp.first {
        $0.sampling == "poisson" && $0.noiseMultiplier == c.noiseMultiplier
          && $0.samplingRate == c.samplingRate
          && $0.steps == c.steps && $0.delta == c.delta
      }
      if let rdp { #expect(c.epsilon <= rdp.epsilon * 1.001, "\(c)") }
    }
  }
}

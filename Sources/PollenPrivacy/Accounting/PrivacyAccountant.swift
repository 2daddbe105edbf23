import PollenCore

/// Tracks the privacy spent by a sequence of Gaussian mechanisms and answers ε at a given δ.
///
/// Accountants are values: copy one to ask "what if" (compose more steps on the copy). Both
/// implementations follow Google's `dp-accounting` 0.6.0 and agree with it on the fixtures in
/// `Tests/PollenPrivacyTests/Resources/accounting.json` (`Scripts/parity/privacy_accounting.py`).
public protocol PrivacyAccountant: Sendable {
  /// Composes `steps` runs of the Gaussian mechanism with noise multiplier z (σ/sensitivity), each on a sample of rate q.
  ///
  /// - Throws: `PollenError` `.invalidArgument` for z < 0 (or not finite), q ∉ [0, 1],
  ///   steps < 0, or a sampling the accountant cannot analyse.
  mutating func compose(noiseMultiplier: Double, samplingRate: Double, sampling: PrivacySampling, steps: Int)
    throws
  /// The smallest ε for which the composition so far is (ε, δ)-DP (∞ when no finite ε exists, 0 when nothing was composed).
  ///
  /// - Throws: `PollenError` `.invalidArgument` for δ ∉ (0, 1).
  func epsilon(delta: Double) throws -> Double
}

/// The argument checks every accountant shares.
enum AccountingArguments {
  static func check(noiseMultiplier: Double, samplingRate: Double, steps: Int) throws {
    guard noiseMultiplier >= 0, noiseMultiplier.isFinite else {
      throw PollenError(.invalidArgument, "noise multiplier \(noiseMultiplier) must be finite and ≥ 0")
    }
    guard samplingRate >= 0, samplingRate <= 1 else {
      throw PollenError(.invalidArgument, "sampling rate \(samplingRate) must be in [0, 1]")
    }
    guard steps >= 0 else { throw PollenError(.invalidArgument, "steps \(steps) must be ≥ 0") }
  }

  static func check(delta: Double) throws {
    guard delta > 0, delta < 1 else {
      throw PollenError(.invalidArgument, "delta \(delta) must be in (0, 1)")
    }
  }

  static func check(epsilon: Double) throws {
    guard epsilon >= 0, !epsilon.isNaN else {
      throw PollenError(.invalidArgument, "epsilon \(epsilon) must be ≥ 0")
    }
  }
}

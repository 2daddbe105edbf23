import PollenCore

/// Noise calibration: the inverse of accounting, as dp-accounting 0.6.0's
/// `calibrate_dp_mechanism` (`mechanism_calibration.py`).
public enum PrivacyCalibration {
  /// The default tolerance on z (dp-accounting's default `tol` for a continuous parameter).
  public static let defaultTolerance = 1e-6

  /// The smallest noise multiplier z for which `steps` steps at `samplingRate` are (epsilon, delta)-DP (binary search like dp-accounting's `calibrate_dp_mechanism`, tolerance documented).
  ///
  /// Like dp-accounting, the search brackets z by doubling from [0, 1] (at most 30 times) and
  /// then narrows the bracket — here by bisection, where dp-accounting uses Brent's method — to
  /// within `tolerance` (default 1e-6, absolute in z). The z returned always meets the budget
  /// (ε(z) ≤ `epsilon`) and is within `tolerance` of the smallest z that does, ε being
  /// non-increasing in z. Each step of the search runs a fresh accountant of kind `accountant`.
  /// With nothing to protect (steps = 0, or q = 0 with sampling) the answer is 0.
  ///
  /// - Throws: `PollenError` `.invalidArgument` for ε ≤ 0, δ ∉ (0, 1), q ∉ [0, 1], steps < 0,
  ///   a sampling the accountant cannot analyse, or no z within 2³⁰ meeting the budget.
  public static func noiseMultiplier(
    epsilon: Double, delta: Double, samplingRate: Double, sampling: PrivacySampling, steps: Int,
    accountant: PrivacyAccountantKind, tolerance: Double = PrivacyCalibration.defaultTolerance
  ) throws -> Double {
    guard epsilon > 0, epsilon.isFinite else {
      throw PollenError(.invalidArgument, "target epsilon \(epsilon) must be finite and > 0")
    }
    try AccountingArguments.check(delta: delta)
    try AccountingArguments.check(noiseMultiplier: 0, samplingRate: samplingRate, steps: steps)
    guard tolerance > 0 else { throw PollenError(.invalidArgument, "tolerance \(tolerance) must be > 0") }
    // Surfaces an unsupported sampling before the search.
    var probe = accountant.makeAccountant()
    try probe.compose(noiseMultiplier: 1, samplingRate: samplingRate, sampling: sampling, steps: 0)
    if steps == 0 || (samplingRate == 0 && sampling != .none) { return 0 }

    func gap(_ z: Double) throws -> Double {
      var a = accountant.makeAccountant()
      try a.compose(noiseMultiplier: z, samplingRate: samplingRate, sampling: sampling, steps: steps)
      return try a.epsilon(delta: delta) - epsilon
    }
    // `_search_for_explicit_bracket_interval` from LowerEndpointAndGuess(0, 1).
    var lower = 0.0
    var upper = 1.0
    var upperValue = try gap(upper)
    var width = upper - lower
    var tries = 0
    while upperValue > 0 {
      tries += 1
      guard tries <= 30 else {
        throw PollenError(
          .invalidArgument, "no noise multiplier up to \(upper) reaches ε = \(epsilon) at δ = \(delta)")
      }
      width *= 2
      lower = upper
      upper += width
      upperValue = try gap(upper)
    }
    // Invariant: ε(lower) > target ≥ ε(upper) (z = 0 has no finite ε).
    while upper - lower > tolerance {
      let middle = (lower + upper) / 2
      if try gap(middle) > 0 { lower = middle } else { upper = middle }
    }
    return upper
  }
}

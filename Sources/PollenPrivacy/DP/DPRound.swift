import PollenCore
import PollenServer

/// What every central-DP wrapper does at the end of a round.
enum DPRound {
  /// The fit metric under which adaptive wrappers report the round's clipping norm (it goes to
  /// the history's `privacy` series as `clipping_norm`).
  static let clippingNormKey = "privacy.clipping_norm"

  /// Flower's `CLIENTS_DISCREPANCY_WARNING` when the results are not the sampled number.
  static func warnIfCohortDiffers(_ results: Int, _ sampled: Int) {
    guard results != sampled else { return }
    privacyLogger.warning(
      "The number of clients returning parameters (\(results)) differs from the number of sampled clients (\(sampled)). This could impact the differential privacy guarantees, potentially leading to privacy leakage or inadequate noise calibration."
    )
  }

  /// The clients behind `results`: one each, but a secure aggregate (SecAgg+'s single result)
  /// counts the clients it sums (`secagg_clients`).
  static func contributors(_ results: [FitResult]) -> Int {
    results.reduce(0) { count, r in
      if case .int(let n)? = r.res.metrics["secagg_clients"] { return count + Int(n) }
      return count + 1
    }
  }

  /// `aggregated` with Gaussian noise of `stdDev` (Flower's `add_gaussian_noise_to_params`).
  static func addNoise(to aggregated: Parameters?, stdDev: Double, using rng: inout SeededRandom)
    -> Parameters?
  {
    guard let p = aggregated, !p.tensors.isEmpty else { return aggregated }
    privacyLogger.info("aggregate_fit: central DP noise with \(stdDev) stdev added")
    return Parameters(tensors: Aggregation.addGaussianNoise(p.tensors, stdDev: stdDev, using: &rng))
  }
}

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
    privacyLogger.debug("aggregate_fit: central DP noise with \(stdDev) stdev added")
    return Parameters(tensors: Aggregation.addGaussianNoise(p.tensors, stdDev: stdDev, using: &rng))
  }

  /// Flower's constructor checks of the fixed-clipping wrappers (its messages).
  static func validateFixed(
    noiseMultiplier: Double, clippingNorm: Double, numSampledClients: Int, clippingNormMessage: String
  ) throws {
    guard noiseMultiplier >= 0 else {
      throw PollenError(.invalidArgument, "The noise multiplier should be a non-negative value.")
    }
    guard clippingNorm > 0 else { throw PollenError(.invalidArgument, clippingNormMessage) }
    guard numSampledClients > 0 else {
      throw PollenError(.invalidArgument, "The number of sampled clients should be a positive value.")
    }
  }

  /// `instructions` with `clipping_norm` = `norm` in every config (the client-side wrappers).
  static func sending(clippingNorm norm: Double, in instructions: [FitInstruction]) -> [FitInstruction] {
    instructions.map { client, ins in
      var ins = ins
      ins.config[DifferentialPrivacyClientSideFixedClipping.clippingNormConfigKey] = .double(norm)
      return (client, ins)
    }
  }
}

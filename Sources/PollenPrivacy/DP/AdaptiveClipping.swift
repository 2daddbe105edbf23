import Foundation
import PollenCore

/// The arithmetic of adaptive clipping (Andrew et al. 2021, "Differentially Private Learning
/// with Adaptive Clipping", arXiv:1905.03871), shared by the server-side and client-side wrappers.
///
/// Flower's wrappers (`flwr/server/strategy/dp_adaptive_clipping.py`) count the updates that
/// *were clipped* and move the norm by `exp(−η (clipped − γ))`, so a norm below every update
/// shrinks further (0.1 → 0.0905 → … with every update of norm 1). Andrew et al. count the
/// updates that were *not* clipped (`‖Δ‖ ≤ C`) — the norm then tracks the γ-quantile of the
/// update norms — and that is what Pollen does. The noise of a round uses the norm that clipped
/// that round (Flower adds it with the norm already updated for the next round).
public enum AdaptiveClipping {
  /// Flower's `compute_adaptive_noise_params` (`flwr/supercore/differential_privacy.py`;
  /// Andrew et al. Theorem 1): the standard deviation σ_b of the noise on the count of
  /// unclipped updates (default `numSampledClients / 20`) and the noise multiplier
  /// `z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2)` of the update sum, so that together they are the Gaussian
  /// mechanism of noise multiplier `z`. With `z = 0` both are 0 (σ_b is kept if given).
  ///
  /// - Throws: `PollenError` `.invalidArgument` when `z ≥ 2σ_b` (no `z_Δ` exists), as Flower
  ///   raises `ValueError`.
  public static func noiseParameters(
    noiseMultiplier z: Double, numSampledClients: Int, clippedCountStdDev: Double?
  ) throws -> (clippedCountStdDev: Double, updateNoiseMultiplier: Double) {
    guard z > 0 else { return (clippedCountStdDev ?? 0, 0) }
    let sigmaB = clippedCountStdDev ?? Double(numSampledClients) / 20
    guard z < 2 * sigmaB else {
      throw PollenError(
        .invalidArgument,
        "clipped_count_stddev \(sigmaB) (by default num_sampled_clients/20) is too low for noise_multiplier \(z): it must be more than \(z / 2); increase clipped_count_stddev or decrease noise_multiplier"
      )
    }
    let zDelta = 1 / (1 / (z * z) - 1 / (4 * sigmaB * sigmaB)).squareRoot()
    if zDelta / z >= 2 {
      privacyLogger.warning(
        "A significant amount of noise (\(zDelta / z)) has to be added. Consider increasing `clipped_count_stddev` or `num_sampled_clients`."
      )
    }
    return (sigmaB, zDelta)
  }

  /// The next clipping norm: `C · exp(−η (b̄ − γ))`, where `b̄` is the (noised) fraction of
  /// updates that were not clipped and `γ` the target quantile (Andrew et al., Algorithm 1).
  public static func nextClippingNorm(
    _ clippingNorm: Double, unclippedFraction: Double, targetQuantile: Double, learningRate: Double
  ) -> Double {
    clippingNorm * exp(-learningRate * (unclippedFraction - targetQuantile))
  }

  /// Checks Flower's constructor rules for the adaptive wrappers (its messages).
  static func validate(
    noiseMultiplier: Double, numSampledClients: Int, initialClippingNorm: Double,
    targetClippedQuantile: Double,
    clipNormLearningRate: Double, clippedCountStdDev: Double?
  ) throws {
    guard noiseMultiplier >= 0 else {
      throw PollenError(.invalidArgument, "The noise multiplier should be a non-negative value.")
    }
    guard numSampledClients > 0 else {
      throw PollenError(.invalidArgument, "The number of sampled clients should be a positive value.")
    }
    guard initialClippingNorm > 0 else {
      throw PollenError(.invalidArgument, "The initial clipping norm should be a positive value.")
    }
    guard (0...1).contains(targetClippedQuantile) else {
      throw PollenError(.invalidArgument, "The target clipped quantile must be between 0 and 1 (inclusive).")
    }
    guard clipNormLearningRate > 0 else {
      throw PollenError(.invalidArgument, "The learning rate must be positive.")
    }
    if let clippedCountStdDev, clippedCountStdDev < 0 {
      throw PollenError(.invalidArgument, "The `clipped_count_stddev` must be non-negative.")
    }
  }
}

import PollenCore

/// A privacy-loss-distribution accountant for the (Poisson-subsampled) Gaussian mechanism: a
/// port of dp-accounting 0.6.0's `PLDAccountant` (`pld/pld_privacy_accountant.py`) with
/// add-or-remove-one neighbours, agreeing with it to 1e-3 relative (in practice far closer).
///
/// Each composition builds the mechanism's PLD as `from_gaussian_mechanism`
/// (`pld/privacy_loss_distribution.py`) does: `GaussianPrivacyLoss`
/// (`pld/privacy_loss_mechanism.py`) with sensitivity 1, log-mass truncation −50, discretised
/// by pessimistic connect-the-dots (`pld/pld_pmf.py`,
/// `create_pmf_pessimistic_connect_dots_fixed_gap`) on a grid of
/// ``valueDiscretizationInterval``; sparse PMFs up to 1000 points, dense ones above, composed
/// by direct or FFT convolution (`steps` compositions as one FFT power, `common.self_convolve`),
/// with tails of 1e-15 truncated pessimistically.
///
/// - ``PrivacySampling/poisson``: `PoissonSampledDpEvent(q, GaussianDpEvent(z))` composed
///   `steps` times (q = 0 releases nothing).
/// - ``PrivacySampling/none``: `GaussianDpEvent(z)` composed `steps` times, which dp-accounting
///   folds into one Gaussian of σ = z/√steps.
/// - ``PrivacySampling/withoutReplacement`` is refused, as dp-accounting's `PLDAccountant`
///   refuses `SampledWithoutReplacementDpEvent`: use the ``RDPAccountant``.
///
/// Memory and time grow with the range of the privacy loss over the grid interval: small z
/// with large q and many steps means millions of points.
public struct PLDAccountant: PrivacyAccountant {
  /// The grid of privacy losses (dp-accounting's `value_discretization_interval`).
  public let valueDiscretizationInterval: Double
  private var distribution: PrivacyLossDistribution
  /// A step with z = 0 (and q > 0) was composed: no finite ε.
  private var containsNonPrivateStep = false

  /// - Precondition: `valueDiscretizationInterval` > 0.
  public init(valueDiscretizationInterval: Double = 1e-4) {
    precondition(
      valueDiscretizationInterval > 0 && valueDiscretizationInterval.isFinite,
      "the value discretisation interval must be > 0")
    self.valueDiscretizationInterval = valueDiscretizationInterval
    distribution = .identity(discretization: valueDiscretizationInterval)
  }

  public mutating func compose(
    noiseMultiplier: Double, samplingRate: Double, sampling: PrivacySampling, steps: Int
  ) throws {
    try AccountingArguments.check(noiseMultiplier: noiseMultiplier, samplingRate: samplingRate, steps: steps)
    let d = valueDiscretizationInterval
    switch sampling {
    case .withoutReplacement:
      throw PollenError(
        .invalidArgument,
        "the PLD accountant has no analysis of sampling without replacement (nor has dp-accounting's): use the RDP accountant or Poisson sampling"
      )
    case .poisson:
      guard steps > 0, samplingRate > 0 else { return }
      guard noiseMultiplier > 0 else {
        containsNonPrivateStep = true
        return
      }
      let step = PrivacyLossDistribution.gaussian(
        standardDeviation: noiseMultiplier, samplingProb: samplingRate, discretization: d)
      distribution = distribution.compose(step.selfCompose(steps))
    case .none:
      guard steps > 0 else { return }
      guard noiseMultiplier > 0 else {
        containsNonPrivateStep = true
        return
      }
      let all = PrivacyLossDistribution.gaussian(
        standardDeviation: noiseMultiplier / Double(steps).squareRoot(), samplingProb: 1, discretization: d)
      distribution = distribution.compose(all)
    }
  }

  public func epsilon(delta: Double) throws -> Double {
    try AccountingArguments.check(delta: delta)
    if containsNonPrivateStep { return .infinity }
    return distribution.epsilon(forDelta: delta)
  }

  /// The smallest δ for which the composition so far is (ε, δ)-DP (`get_delta`; 1 after a
  /// step without noise).
  ///
  /// - Throws: `PollenError` `.invalidArgument` for ε < 0.
  public func delta(epsilon: Double) throws -> Double {
    try AccountingArguments.check(epsilon: epsilon)
    if containsNonPrivateStep { return 1 }
    return distribution.delta(forEpsilon: epsilon)
  }
}

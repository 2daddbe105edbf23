#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The privacy loss of the (Poisson-subsampled) Gaussian mechanism for one adjacency:
/// dp-accounting 0.6.0's `GaussianPrivacyLoss` and its `AdditiveNoisePrivacyLoss` base
/// (`pld/privacy_loss_mechanism.py`), sensitivity 1, pessimistic estimate.
///
/// With noise μ = N(0, σ²) and sampling probability q:
/// - remove: μ_upper = q·μ(x + 1) + (1 − q)·μ(x), μ_lower = μ(x);
/// - add: μ_upper = μ(x), μ_lower = q·μ(x − 1) + (1 − q)·μ(x).
struct GaussianPrivacyLoss {
  enum Adjacency { case add, remove }

  let standardDeviation: Double
  let samplingProb: Double
  let adjacency: Adjacency
  let sensitivity = 1.0
  /// `log_mass_truncation_bound` of `from_gaussian_mechanism`.
  let logMassTruncationBound = -50.0

  private var variance: Double { standardDeviation * standardDeviation }

  // MARK: the noise

  /// `noise_cdf`: Φ(x/σ).
  func noiseCDF(_ x: Double) -> Double { AccountingMath.ndtr(x / standardDeviation) }
  /// `noise_log_cdf`: log Φ(x/σ).
  func noiseLogCDF(_ x: Double) -> Double { AccountingMath.logNdtr(x / standardDeviation) }

  /// `mu_upper_cdf`.
  func muUpperCDF(_ x: Double) -> Double {
    switch adjacency {
    case .add: return noiseCDF(x)
    case .remove:
      if samplingProb == 1 { return noiseCDF(x + sensitivity) }
      return (1 - samplingProb) * noiseCDF(x) + samplingProb * noiseCDF(x + sensitivity)
    }
  }

  /// `mu_lower_log_cdf`.
  func muLowerLogCDF(_ x: Double) -> Double {
    switch adjacency {
    case .add:
      if samplingProb == 1 { return noiseLogCDF(x + -sensitivity) }
      return AccountingMath.logAddExp(
        log1p(-samplingProb) + noiseLogCDF(x), log(samplingProb) + noiseLogCDF(x + -sensitivity))
    case .remove: return noiseLogCDF(x)
    }
  }

  // MARK: the privacy loss and its inverse

  /// `_privacy_loss_without_subsampling_remove`.
  private func lossWithoutSubsamplingRemove(_ x: Double) -> Double {
    sensitivity * (-0.5 * sensitivity - x) / variance
  }

  /// `_inverse_privacy_loss_without_subsampling_remove`.
  private func inverseWithoutSubsamplingRemove(_ loss: Double) -> Double {
    -0.5 * sensitivity - loss * variance / sensitivity
  }

  /// `_privacy_loss_remove`.
  private func lossRemove(_ x: Double) -> Double {
    let l = lossWithoutSubsamplingRemove(x)
    if samplingProb == 1 { return l }
    return AccountingMath.logATimesExpBPlusC(samplingProb, l, 1 - samplingProb)
  }

  /// `privacy_loss`: ln(μ_upper(x) / μ_lower(x)), non-increasing in x.
  func privacyLoss(_ x: Double) -> Double {
    switch adjacency {
    case .remove: lossRemove(x)
    case .add: -lossRemove(-x)
    }
  }

  /// `inverse_privacy_loss`: the largest x whose privacy loss is at least `loss`.
  func inversePrivacyLoss(_ loss: Double) -> Double {
    let q = samplingProb
    switch adjacency {
    case .add:
      if q == 1 { return sensitivity + inverseWithoutSubsamplingRemove(loss) }
      if isClose(loss, -log(1 - q)) { return sensitivity + inverseWithoutSubsamplingRemove(.infinity) }
      let without = -AccountingMath.logATimesExpBPlusC(1 / q, -loss, 1 - 1 / q)
      return sensitivity + inverseWithoutSubsamplingRemove(without)
    case .remove:
      if q == 1 { return inverseWithoutSubsamplingRemove(loss) }
      if isClose(loss, log(1 - q)) { return inverseWithoutSubsamplingRemove(-.infinity) }
      let without = AccountingMath.logATimesExpBPlusC(1 / q, loss, 1 - 1 / q)
      return inverseWithoutSubsamplingRemove(without)
    }
  }

  /// Python's `math.isclose` with its defaults (relative 1e-9).
  private func isClose(_ a: Double, _ b: Double) -> Bool {
    a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b))
  }

  /// `get_delta_for_epsilon`: the ε-hockey-stick divergence of μ_upper and μ_lower, clipped to
  /// [0, 1].
  func delta(forEpsilon epsilon: Double) -> Double {
    if samplingProb != 1 {
      switch adjacency {
      case .add:
        // The divergence is 0 when ε ≥ −log(1 − q).
        if !(epsilon < -log1p(-samplingProb)) { return 0 }
      case .remove:
        if !(epsilon > log1p(-samplingProb)) { return min(max(-expm1(epsilon), 0), 1) }
      }
    }
    let x = inversePrivacyLoss(epsilon)
    let delta = muUpperCDF(x) - exp(epsilon + muLowerLogCDF(x))
    return min(max(delta, 0), 1)
  }

  // MARK: discretisation

  /// `privacy_loss_tail`'s truncation points: μ's tails beyond them hold ½·e^{−50} each, and the
  /// remove (add) side is widened by the sensitivity.
  func truncation() -> (lowerX: Double, upperX: Double) {
    var lower = standardDeviation * AccountingMath.ndtri(0.5 * exp(logMassTruncationBound))
    var upper = -lower
    switch adjacency {
    case .add: upper += sensitivity
    case .remove: lower -= sensitivity
    }
    return (lower, upper)
  }

  /// `_create_pld_pmf_from_monotone_privacy_loss` with `use_connect_dots=True` (the default of
  /// `from_gaussian_mechanism`): the losses between the privacy losses at the truncation points
  /// (`connect_dots_bounds`), rounded out to the grid, and the hockey-stick divergence at each.
  func pmf(discretization d: Double) -> PLDPMF {
    let (lowerX, upperX) = truncation()
    let epsilonUpper = privacyLoss(lowerX)
    let epsilonLower = privacyLoss(upperX)
    let roundedUpper = Int((epsilonUpper / d).rounded(.up))
    let roundedLower = Int((epsilonLower / d).rounded(.down))
    let deltas = (roundedLower...roundedUpper).map { delta(forEpsilon: Double($0) * d) }
    return PLDPMF.pessimisticConnectDots(
      discretization: d, roundedEpsilonLower: roundedLower, roundedEpsilonUpper: roundedUpper, deltas: deltas)
  }
}

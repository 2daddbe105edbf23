#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The Rényi DP of one (subsampled) Gaussian mechanism at one order, ported from dp-accounting
/// 0.6.0 `rdp/rdp_privacy_accountant.py` function by function (the names in the comments are
/// theirs).
enum RDPGaussian {
  /// `_MAX_STEPS_LOG_A_FRAC`.
  static let maxStepsLogAFrac = 1000
  /// `max_alpha` of `_compute_rdp_sample_wor_gaussian_int`: above it, the Stirling bound.
  static let maxExactWOROrder = 256

  // MARK: Poisson sampling (add-or-remove-one)

  /// `_compute_rdp_poisson_subsampled_gaussian` at one order (q = 1: the Gaussian mechanism).
  static func poisson(q: Double, sigma: Double, order alpha: Double) -> Double {
    if q == 0 { return 0 }
    if alpha.isInfinite || sigma == 0 { return .infinity }
    if q == 1 { return alpha / (2 * (sigma * sigma)) }
    return logA(q: q, sigma: sigma, alpha: alpha) / (alpha - 1)
  }

  /// `_compute_log_a`.
  static func logA(q: Double, sigma: Double, alpha: Double) -> Double {
    if alpha.rounded(.towardZero) == alpha, alpha < Double(Int.max) {
      return logAInt(q: q, sigma: sigma, alpha: Int(alpha))
    }
    return logAFrac(q: q, sigma: sigma, alpha: alpha)
  }

  /// `_compute_log_a_int`: log A_α for integer α, 0 < q < 1.
  static func logAInt(q: Double, sigma: Double, alpha: Int) -> Double {
    var logA = -Double.infinity
    let log1mq = log1p(-q)
    let logQ = log(q)
    let twoSigma2 = 2 * (sigma * sigma)
    let n = Double(alpha)
    for i in 0...alpha {
      let di = Double(i)
      let logCoefI = AccountingMath.logComb(n, di) + di * logQ + Double(alpha - i) * log1mq
      let s = logCoefI + Double(i * i - i) / twoSigma2
      logA = AccountingMath.logAdd(logA, s)
    }
    return logA
  }

  /// `_compute_log_a_frac`: log A_α for fractional α, 0 < q < 1 (Sec 3.3 of arXiv:1908.10530);
  /// ∞ (the order is then useless) when the series does not converge in 1000 terms.
  static func logAFrac(q: Double, sigma: Double, alpha: Double) -> Double {
    var logA0 = -Double.infinity
    var logA1 = -Double.infinity
    let sigma2 = sigma * sigma
    let z0 = sigma2 * log(1 / q - 1) + 0.5
    let log1mq = log1p(-q)
    let logQ = log(q)
    let logHalf = log(0.5)
    let sqrt2Sigma = 2.0.squareRoot() * sigma
    var lastS0 = -Double.infinity
    var lastS1 = -Double.infinity
    for i in 0..<maxStepsLogAFrac {
      let di = Double(i)
      let logCoef = AccountingMath.logComb(alpha, di)
      let j = alpha - di
      let logT0 = logCoef + di * logQ + j * log1mq
      let logT1 = logCoef + j * logQ + di * log1mq
      let logE0 = logHalf + AccountingMath.logErfc((di - z0) / sqrt2Sigma)
      let logE1 = logHalf + AccountingMath.logErfc((z0 - j) / sqrt2Sigma)
      let logS0 = logT0 + Double(i * i - i) / (2 * sigma2) + logE0
      let logS1 = logT1 + (j * j - j) / (2 * sigma2) + logE1
      logA0 = AccountingMath.logAdd(logA0, logS0)
      logA1 = AccountingMath.logAdd(logA1, logS1)
      let total = AccountingMath.logAdd(logA0, logA1)
      if logS0 < lastS0 && logS1 < lastS1 && max(logS0, logS1) < total - 30 { return total }
      lastS0 = logS0
      lastS1 = logS1
    }
    return .infinity
  }

  // MARK: sampling without replacement (replace-one)

  /// `_compute_rdp_sample_wor_gaussian_scalar`: Theorem 27 of Wang, Balle, Kasiviswanathan
  /// (arXiv:1808.00087) at integer orders; at fractional orders the CGF is interpolated between
  /// ⌊α⌋ and ⌈α⌉ (their Corollary 10), exactly as dp-accounting does. σ = 0 gives ∞ (where
  /// dp-accounting divides by zero).
  static func withoutReplacement(q: Double, sigma: Double, order alpha: Double) -> Double {
    if q == 0 { return 0 }
    if sigma == 0 { return .infinity }
    if q == 1 { return alpha / (2 * (sigma * sigma)) }
    if alpha.isInfinite { return .infinity }
    if alpha.rounded(.towardZero) == alpha {
      return worInt(q: q, sigma: sigma, alpha: Int(alpha)) / (alpha - 1)
    }
    let alphaF = alpha.rounded(.down)
    let alphaC = alpha.rounded(.up)
    let x = worInt(q: q, sigma: sigma, alpha: Int(alphaF))
    let y = worInt(q: q, sigma: sigma, alpha: Int(alphaC))
    let t = alpha - alphaF
    return ((1 - t) * x + t * y) / (alpha - 1)
  }

  /// `_compute_rdp_sample_wor_gaussian_int`: log A_α for integer α, exactly up to α = 256,
  /// with the Stirling-type bound above.
  static func worInt(q: Double, sigma: Double, alpha: Int) -> Double {
    if alpha == 1 { return 0 }
    let twoSigma2 = 2.0 * (sigma * sigma)
    // cgf(x) = rdp(x + 1)·x; rdp of the Gaussian mechanism is α / (2σ²).
    let cgf = { (x: Double) -> Double in x * 1.0 * (x + 1) / twoSigma2 }
    let function = { (x: Double) -> Double in 1.0 * x / twoSigma2 }
    let logQ = log(q)
    let log2 = log(2.0)
    let log4 = log(4.0)
    let n = Double(alpha)
    var logA = 0.0
    let logF2m1 = function(2.0) + log1p(-exp(-function(2.0)))
    let second = 2 * logQ + AccountingMath.logComb(n, 2) + min(log4 + logF2m1, function(2.0) + log2)
    if alpha <= maxExactWOROrder {
      let deltas = forwardDiffs(cgf, alpha)
      for i in 2...alpha {
        var s: Double
        if i == 2 {
          s = second
        } else {
          let deltaLo = deltas[2 * (i / 2) - 1]
          let deltaHi = deltas[2 * ((i + 1) / 2) - 1]
          s = log4 + 0.5 * (deltaLo + deltaHi)
          s = min(s, log2 + cgf(Double(i - 1)))
          s += Double(i) * logQ + AccountingMath.logComb(n, Double(i))
        }
        logA = AccountingMath.logAdd(logA, s)
      }
      return logA
    }
    for i in 2...alpha {
      let s =
        i == 2
        ? second
        : log2 + cgf(Double(i - 1)) + Double(i) * logQ + AccountingMath.logComb(n, Double(i))
      logA = AccountingMath.logAdd(logA, s)
    }
    return logA
  }

  /// `_get_forward_diffs`: the log-magnitudes of the forward differences of exp(`function`) at 0,
  /// orders 0…n+1 (Theorem 27 of arXiv:1808.00087).
  static func forwardDiffs(_ function: (Double) -> Double, _ n: Int) -> [Double] {
    var values = [Double](repeating: 0, count: n + 3)
    var signs = [Bool](repeating: true, count: n + 3)
    var deltas = [Double](repeating: 0, count: n + 2)
    for i in 1..<(n + 3) { values[i] = function(1.0 * Double(i - 1)) }
    for i in 0..<(n + 2) {
      stableInplaceDiffInLog(&values, &signs, n: n + 2 - i)
      deltas[i] = values[0]
    }
    return deltas
  }

  /// `_stable_inplace_diff_in_log`: replaces the first n entries of (`values`, `signs`) — a
  /// vector as signs and log-magnitudes — by its differences.
  static func stableInplaceDiffInLog(_ values: inout [Double], _ signs: inout [Bool], n: Int) {
    for j in 0..<n {
      if signs[j] == signs[j + 1] {
        let (sign, magnitude) = AccountingMath.logSubSign(values[j + 1], values[j])
        signs[j] = sign
        values[j] = magnitude
        if !signs[j + 1] { signs[j].toggle() }
      } else {
        values[j] = AccountingMath.logAdd(values[j], values[j + 1])
        signs[j] = signs[j + 1]
      }
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The special functions and log-space arithmetic the accountants share, each written as
/// dp-accounting 0.6.0 (and the scipy functions it calls) computes it.
enum AccountingMath {
  // MARK: log space (`rdp/rdp_privacy_accountant.py`)

  /// log(eˣ + eʸ) (`_log_add`).
  @inline(__always) static func logAdd(_ logx: Double, _ logy: Double) -> Double {
    let a = Swift.min(logx, logy)
    let b = Swift.max(logx, logy)
    if a == -.infinity { return b }
    return log1p(exp(a - b)) + b
  }

  /// log|eˣ − eʸ| and whether eˣ ≥ eʸ (`_log_sub_sign`).
  @inline(__always) static func logSubSign(_ logx: Double, _ logy: Double) -> (
    positive: Bool, magnitude: Double
  ) {
    if logx > logy { return (true, logx + log1p(-exp(logy - logx))) }
    if logx < logy { return (false, logy + log1p(-exp(logx - logy))) }
    return (true, -.infinity)
  }

  /// log |Γ(x)| (scipy's `gammaln`).
  @inline(__always) static func logGamma(_ x: Double) -> Double {
    var sign: Int32 = 0
    return lgamma_r(x, &sign)
  }

  /// log |C(n, k)| through log Γ (`_log_comb`).
  @inline(__always) static func logComb(_ n: Double, _ k: Double) -> Double {
    logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1)
  }

  // MARK: log space (`pld/common.py`)

  /// log(eᵃ + eᵇ) (numpy's `logaddexp`: −∞ when both are −∞).
  @inline(__always) static func logAddExp(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity && b == -.infinity { return -.infinity }
    let mx = Swift.max(a, b)
    return mx + log1p(exp(-abs(a - b)))
  }

  /// log(eᵃ − eᵇ) for a > b (`common._log_sub`); −∞ when rounding makes b ≥ a (where
  /// dp-accounting raises).
  @inline(__always) static func logSub(_ a: Double, _ b: Double) -> Double {
    if b >= a { return -.infinity }
    return a + log1p(-exp(b - a))
  }

  /// log(a·eᵇ + c) (`common.log_a_times_exp_b_plus_c`).
  static func logATimesExpBPlusC(_ a: Double, _ b: Double, _ c: Double) -> Double {
    if a == 0 { return log(c) }
    if a < 0 {
      if c <= 0 { return .nan }
      return logSub(log(c), log(-a) + b)
    }
    if b == 0 { return log(a + c) }
    let d = b + log(a)
    if c == 0 { return d }
    if c < 0 { return logSub(d, log(-c)) }
    let mn = Swift.min(d, log(c))
    let mx = Swift.max(d, log(c))
    return mx + log1p(exp(mn - mx))
  }

  // MARK: the normal distribution (scipy's `ndtr`, `log_ndtr`, `ndtri`)

  /// erfc(x)·e^{x²} for x ≥ 20 by its asymptotic series (scipy's `erfcx` in the tail, where
  /// erfc underflows).
  static func erfcxTail(_ x: Double) -> Double {
    if x == .infinity { return 0 }
    let inverseTwoX2 = 1 / (2 * x * x)
    var term = 1.0
    var sum = 1.0
    var n = 1.0
    while n < 200 {
      term *= -(2 * n - 1) * inverseTwoX2
      sum += term
      if abs(term) < 1e-17 * abs(sum) { break }
      n += 1
    }
    return sum / (x * 1.772_453_850_905_516_0)
  }

  /// log erfc(x), accurate far into the tail (`_log_erfc`: log 2 + `log_ndtr`(−x√2)).
  static func logErfc(_ x: Double) -> Double {
    if x < 20 { return log(erfc(x)) }
    return log(erfcxTail(x)) - x * x
  }

  /// The standard normal CDF Φ(a) (scipy's `ndtr`, cephes' algorithm).
  static func ndtr(_ a: Double) -> Double {
    let x = a * 0.707_106_781_186_547_524_40
    let z = abs(x)
    if z < 0.707_106_781_186_547_524_40 { return 0.5 + 0.5 * erf(x) }
    let y = 0.5 * erfc(z)
    return x > 0 ? 1 - y : y
  }

  /// log Φ(a) (scipy's `log_ndtr`, Faddeeva's algorithm).
  static func logNdtr(_ a: Double) -> Double {
    let t = a * 0.707_106_781_186_547_524_40
    if a < -1 {
      let u = -t
      if u < 20 { return log(erfc(u) / 2) }
      return log(erfcxTail(u) / 2) - u * u
    }
    return log1p(-erfc(t) / 2)
  }

  /// Φ⁻¹(p) (scipy's `ndtri`): Abramowitz–Stegun 26.2.23, then Newton steps on log Φ.
  static func ndtri(_ p: Double) -> Double {
    if p <= 0 { return -.infinity }
    if p >= 1 { return .infinity }
    if p > 0.5 { return -ndtri(1 - p) }
    if p == 0.5 { return 0 }
    let t = (-2 * log(p)).squareRoot()
    var x =
      -(t - (2.515_517 + 0.802_853 * t + 0.010_328 * t * t)
        / (1 + 1.432_788 * t + 0.189_269 * t * t + 0.001_308 * t * t * t))
    let logP = log(p)
    let logSqrt2Pi = 0.918_938_533_204_672_741_78
    for _ in 0..<100 {
      let logCDF = logNdtr(x)
      let logPDF = -0.5 * x * x - logSqrt2Pi
      // Newton on log Φ(x) = log p: Δx = (log Φ − log p)·Φ/φ.
      let step = (logCDF - logP) * exp(logCDF - logPDF)
      x -= step
      if abs(step) <= 1e-16 * abs(x) { break }
    }
    return x
  }
}

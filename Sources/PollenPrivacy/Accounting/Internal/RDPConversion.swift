#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// RDP → (ε, δ), ported from dp-accounting 0.6.0 `rdp/rdp_privacy_accountant.py`
/// (`compute_epsilon`, `compute_delta`).
enum RDPConversion {
  /// `compute_epsilon`: the smallest ε over the orders by the improved conversion (Proposition 12
  /// of arXiv:2004.00010 v4, Eq. 20 of arXiv:2001.05990), with the KL bound δ ≤ √(1 − e^{−KL})
  /// giving ε = 0, and the order that attains it (the first on ties). 0 < δ.
  static func epsilon(orders: [Double], rdp: [Double], delta: Double) -> (epsilon: Double, order: Double) {
    precondition(orders.count == rdp.count && !orders.isEmpty)
    let eps = zip(orders, rdp).map { a, r -> Double in
      if r < 0 { return 0 }  // dp-accounting warns: numerical instability from extreme events.
      if delta * delta + expm1(-r) > 0 { return 0 }  // the KL bound
      if a > 1.01 { return r + log1p(-1 / a) - log(delta * a) / (a - 1) }
      return .infinity
    }
    let index = argmin(eps)
    return (max(0, eps[index]), orders[index])
  }

  /// numpy's `argmin`: the first minimum, or the first NaN if there is one.
  static func argmin(_ values: [Double]) -> Int {
    if let nan = values.firstIndex(where: \.isNaN) { return nan }
    var best = 0
    for i in values.indices where values[i] < values[best] { best = i }
    return best
  }

  /// `compute_delta`: the smallest δ over the orders for this ε (the same two bounds), capped
  /// at 1, and its order. 0 ≤ ε.
  static func delta(orders: [Double], rdp: [Double], epsilon: Double) -> (delta: Double, order: Double) {
    precondition(orders.count == rdp.count && !orders.isEmpty)
    let logDeltas = zip(orders, rdp).map { a, r -> Double in
      // For small α the KL bound δ ≤ √(1 − e^{−KL}) is better; take the smaller of the two.
      var logDelta = r <= 0 ? -Double.infinity : 0.5 * log1p(-exp(-r))
      if a > 1.01 {
        let rdpBound = (a - 1) * (r - epsilon + log1p(-1 / a)) - log(a)
        logDelta = min(logDelta, rdpBound)
      }
      return logDelta
    }
    let index = argmin(logDeltas)
    return (min(exp(logDeltas[index]), 1.0), orders[index])
  }
}

import PollenCore

/// A Rényi-DP accountant for the (subsampled) Gaussian mechanism: a port of dp-accounting
/// 0.6.0's `RdpAccountant` (`rdp/rdp_privacy_accountant.py`), agreeing with it to 1e-6
/// relative.
///
/// - ``PrivacySampling/poisson``: `_compute_rdp_poisson_subsampled_gaussian` (log A_α in log
///   space, `_compute_log_a_int` at integer orders, the erfc series `_compute_log_a_frac` of
///   arXiv:1908.10530 §3.3 at fractional ones), add-or-remove-one neighbours.
/// - ``PrivacySampling/withoutReplacement``: `_compute_rdp_sample_wor_gaussian` (Theorem 27 of
///   arXiv:1808.00087; exact up to order 256, a Stirling-type bound above), replace-one
///   neighbours. Its bound exists at integer orders; at fractional orders the cumulant is
///   interpolated between ⌊α⌋ and ⌈α⌉ (their Corollary 10), as dp-accounting does, so the
///   default orders serve both samplings. dp-accounting keeps one neighbouring relation per
///   accountant; this one adds whatever is composed, so do not mix the two samplings in one
///   accountant unless z is stated for both relations.
/// - ``PrivacySampling/none`` (or q = 1): the Gaussian mechanism, α / (2z²).
///
/// ε comes from `compute_epsilon` (the improved conversion of arXiv:2004.00010 Prop. 12, with
/// the KL bound for small orders), δ from `compute_delta`.
public struct RDPAccountant: PrivacyAccountant {
  /// `DEFAULT_RDP_ORDERS`: 1.1, 1.2, …, 10.9, then 11…63, then 128, 256, 512, 1024.
  public static let defaultOrders: [Double] = {
    var orders: [Double] = (1..<100).map { (x: Int) -> Double in 1 + Double(x) / 10.0 }
    orders += (11..<64).map { (x: Int) -> Double in Double(x) }
    orders += [128, 256, 512, 1024]
    return orders
  }()

  /// The Rényi orders α (each > 1).
  public let orders: [Double]
  /// The RDP at each order of everything composed so far.
  public private(set) var rdp: [Double]

  /// - Precondition: `orders` is not empty and every order is > 1.
  public init(orders: [Double] = RDPAccountant.defaultOrders) {
    precondition(!orders.isEmpty && orders.allSatisfy { $0 > 1 }, "RDP orders must be > 1")
    self.orders = orders
    self.rdp = [Double](repeating: 0, count: orders.count)
  }

  /// The RDP of one step at every order of `orders`.
  ///
  /// - Throws: `PollenError` `.invalidArgument` for z < 0 or q ∉ [0, 1].
  public static func rdp(
    noiseMultiplier: Double, samplingRate: Double, sampling: PrivacySampling,
    orders: [Double] = RDPAccountant.defaultOrders
  ) throws -> [Double] {
    try AccountingArguments.check(noiseMultiplier: noiseMultiplier, samplingRate: samplingRate, steps: 0)
    let z = noiseMultiplier
    switch sampling {
    case .poisson: return orders.map { RDPGaussian.poisson(q: samplingRate, sigma: z, order: $0) }
    case .withoutReplacement:
      return orders.map { RDPGaussian.withoutReplacement(q: samplingRate, sigma: z, order: $0) }
    case .none: return orders.map { RDPGaussian.poisson(q: 1, sigma: z, order: $0) }
    }
  }

  /// Adds `steps` times the RDP of one step (composition adds RDP order by order).
  public mutating func compose(
    noiseMultiplier: Double, samplingRate: Double, sampling: PrivacySampling, steps: Int
  ) throws {
    try AccountingArguments.check(noiseMultiplier: noiseMultiplier, samplingRate: samplingRate, steps: steps)
    guard steps > 0 else { return }
    let step = try Self.rdp(
      noiseMultiplier: noiseMultiplier, samplingRate: samplingRate, sampling: sampling, orders: orders)
    let count = Double(steps)
    for i in rdp.indices { rdp[i] += count * step[i] }
  }

  public func epsilon(delta: Double) throws -> Double { try epsilonAndOrder(delta: delta).epsilon }

  /// ε at δ and the order that attains it (`get_epsilon_and_optimal_order`).
  ///
  /// - Throws: `PollenError` `.invalidArgument` for δ ∉ (0, 1).
  public func epsilonAndOrder(delta: Double) throws -> (epsilon: Double, order: Double) {
    try AccountingArguments.check(delta: delta)
    return RDPConversion.epsilon(orders: orders, rdp: rdp, delta: delta)
  }

  /// The smallest δ for which the composition so far is (ε, δ)-DP (`get_delta`).
  ///
  /// - Throws: `PollenError` `.invalidArgument` for ε < 0.
  public func delta(epsilon: Double) throws -> Double { try deltaAndOrder(epsilon: epsilon).delta }

  /// δ at ε and the order that attains it (`get_delta_and_optimal_order`).
  public func deltaAndOrder(epsilon: Double) throws -> (delta: Double, order: Double) {
    try AccountingArguments.check(epsilon: epsilon)
    return RDPConversion.delta(orders: orders, rdp: rdp, epsilon: epsilon)
  }
}

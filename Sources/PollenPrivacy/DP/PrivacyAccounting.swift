import PollenCore
import PollenServer

/// Reports the privacy a Gaussian-noise strategy has spent, after every round, and ends the run
/// before a round that would spend more than a budget: a decorator around a DP wrapper (any of
/// the central ones, or a plain strategy whose clients add local noise).
///
/// Each aggregated round is one Gaussian mechanism of noise multiplier ``noiseMultiplier`` on a
/// sample of rate ``samplingRate`` (``sampling`` says how the sample is drawn, for amplification);
/// a round that keeps the old model (failures, no results) released nothing and is not counted.
/// ε at ``delta`` goes to the history as `privacy.epsilon` (see `History.privacy`), with
/// `privacy.delta`. Flower accounts only for its Message-API fixed-clipping wrappers, without
/// sampling amplification (`flwr/supercore/privacy_accounting/`); this works with every wrapper.
public struct PrivacyAccounting: StrategyDecorator {
  /// The wrapped strategy.
  public var strategy: any Strategy
  /// z of each round (for adaptive clipping: the user's z, which the update and count noise
  /// together amount to; for local DP: `√(2 ln(1.25/δ)) / ε` of one round).
  public let noiseMultiplier: Double
  /// The share of the population a round samples, q.
  public let samplingRate: Double
  /// How the sample is drawn.
  public let sampling: PrivacySampling
  /// δ at which ε is reported (`--target-delta`).
  public let delta: Double
  /// The most ε the run may spend (`--max-epsilon`), or `nil`.
  public let maxEpsilon: Double?
  /// Which accountant composes the rounds.
  public let accountantKind: PrivacyAccountantKind
  /// The rounds composed so far.
  public private(set) var roundsAccounted = 0
  private var accountant: any PrivacyAccountant

  /// - Throws: `PollenError` `.invalidArgument` for z < 0, q ∉ (0, 1], δ ∉ (0, 1) or a budget ≤ 0.
  public init(
    _ strategy: any Strategy, noiseMultiplier: Double, samplingRate: Double, sampling: PrivacySampling,
    delta: Double, maxEpsilon: Double? = nil, accountant: PrivacyAccountantKind = .rdp
  ) throws {
    guard noiseMultiplier >= 0, noiseMultiplier.isFinite else {
      throw PollenError(.invalidArgument, "noise multiplier \(noiseMultiplier) must be ≥ 0")
    }
    guard samplingRate > 0, samplingRate <= 1 else {
      throw PollenError(.invalidArgument, "sampling rate \(samplingRate) must be in (0, 1]")
    }
    guard delta > 0, delta < 1 else {
      throw PollenError(.invalidArgument, "target delta \(delta) must be in (0, 1)")
    }
    if let maxEpsilon, !(maxEpsilon > 0) {
      throw PollenError(.invalidArgument, "max epsilon \(maxEpsilon) must be > 0")
    }
    self.strategy = strategy
    self.noiseMultiplier = noiseMultiplier
    self.samplingRate = samplingRate
    self.sampling = sampling
    self.delta = delta
    self.maxEpsilon = maxEpsilon
    self.accountantKind = accountant
    self.accountant = Self.makeAccountant(accountant)
  }

  static func makeAccountant(_ kind: PrivacyAccountantKind) -> any PrivacyAccountant {
    switch kind {
    case .rdp: return RDPAccountant()
    case .pld: return PLDAccountant()
    }
  }

  /// ε at ``delta`` after the rounds composed so far.
  public func epsilon() throws -> Double { try accountant.epsilon(delta: delta) }

  /// ε at ``delta`` after `rounds` more rounds.
  public func epsilon(afterMoreRounds rounds: Int) throws -> Double {
    var next = accountant
    try next.compose(
      noiseMultiplier: noiseMultiplier, samplingRate: samplingRate, sampling: sampling, steps: rounds)
    return try next.epsilon(delta: delta)
  }

  public func stopReason(beforeRound serverRound: Int) -> String? {
    if let inner = strategy.stopReason(beforeRound: serverRound) { return inner }
    guard let maxEpsilon else { return nil }
    do {
      let next = try epsilon(afterMoreRounds: 1)
      guard next > maxEpsilon else { return nil }
      return
        "privacy budget: round \(serverRound) would bring ε to \(next) at δ = \(delta), more than --max-epsilon \(maxEpsilon)"
    } catch {
      return "privacy accountant failed: \(error)"
    }
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    var (aggregated, metrics) = strategy.aggregateFit(
      serverRound: serverRound, results: results, failures: failures)
    if aggregated != nil {
      do {
        try accountant.compose(
          noiseMultiplier: noiseMultiplier, samplingRate: samplingRate, sampling: sampling, steps: 1)
        roundsAccounted += 1
      } catch {
        privacyLogger.error("privacy accountant: \(error)")
      }
    }
    do {
      let epsilon = try accountant.epsilon(delta: delta)
      metrics[History.privacyMetricPrefix + "epsilon"] = .double(epsilon)
      metrics[History.privacyMetricPrefix + "delta"] = .double(delta)
      privacyLogger.debug("privacy: ε = \(epsilon) at δ = \(delta) after \(roundsAccounted) round(s)")
    } catch {
      privacyLogger.error("privacy accountant: \(error)")
    }
    return (aggregated, metrics)
  }

  /// The rounds composed and the wrapped strategy's state (under `inner/`); restoring composes
  /// the same rounds again (they are all the same mechanism).
  public func exportState() -> StrategyState {
    var s = StrategyState().nesting(strategy.exportState(), under: "inner")
    s.scalars["rounds_accounted"] = .int(Int64(roundsAccounted))
    return s
  }

  public mutating func restoreState(_ state: StrategyState) throws {
    if case .int(let rounds)? = state.scalars["rounds_accounted"], rounds > 0 {
      accountant = Self.makeAccountant(accountantKind)
      try accountant.compose(
        noiseMultiplier: noiseMultiplier, samplingRate: samplingRate, sampling: sampling, steps: Int(rounds))
      roundsAccounted = Int(rounds)
    }
    try strategy.restoreState(state.nested(under: "inner"))
  }
}

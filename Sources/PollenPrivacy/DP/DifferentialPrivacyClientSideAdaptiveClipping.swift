import PollenCore
import PollenServer

/// Central differential privacy with client-side adaptive clipping, as Flower's
/// `DifferentialPrivacyClientSideAdaptiveClipping` (`flwr/server/strategy/dp_adaptive_clipping.py`)
/// with Andrew et al.'s update rule (``AdaptiveClipping``): every FitIns carries the current
/// `clipping_norm`; clients clip their updates (``AdaptiveClippingClient``, or Flower's
/// `adaptiveclipping_mod`) and report `norm_bit` (true when the update *was* clipped — Flower's
/// wire meaning, kept so a Python client works); the server aggregates, adds noise of standard
/// deviation `z_Δ · C / m` with the norm the clients used, and moves the norm with the noised
/// count of unclipped updates.
///
/// A result without `norm_bit` is left out of the round with an error naming the client (Flower
/// raises `KeyError` and stops the run); an update larger than the norm is clipped on the server.
/// A round with any failure keeps the old model and norm.
public struct DifferentialPrivacyClientSideAdaptiveClipping: StrategyDecorator, UpdateReferencing {
  /// The metric key of the clipped bit (Flower's `KEY_NORM_BIT`).
  public static let normBitMetricKey = "norm_bit"
  /// The wrapped strategy.
  public var strategy: any Strategy
  /// The settings (Flower's names and defaults).
  public let settings: AdaptiveClippingSettings
  /// The clipping norm sent to the clients of the next round.
  public private(set) var clippingNorm: Double
  /// σ_b, the noise on the count of unclipped updates.
  public let clippedCountStdDev: Double
  /// z_Δ, the noise multiplier of the update sum.
  public let updateNoiseMultiplier: Double
  /// The round's global model the updates are measured from.
  public var currentRoundParameters: [NDArray] = []
  var rng: SeededRandom

  /// - Throws: `PollenError` `.invalidArgument` for the values Flower rejects.
  public init(_ strategy: any Strategy, settings: AdaptiveClippingSettings, seed: UInt64? = nil) throws {
    (clippedCountStdDev, updateNoiseMultiplier) = try settings.noiseParameters()
    self.strategy = strategy
    self.settings = settings
    self.clippingNorm = settings.initialClippingNorm
    self.rng = SeededRandom(seed: seed ?? UInt64.random(in: 0...UInt64.max))
  }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  ) async -> [FitInstruction] {
    currentRoundParameters = parameters.tensors
    let norm = clippingNorm
    return DPRound.sending(
      clippingNorm: norm,
      in: await strategy.configureFit(
        serverRound: serverRound, parameters: parameters, clientManager: clientManager))
  }

  /// Whether `result` reports its clipped bit (logged when not).
  static func normBit(_ result: FitResult) -> Bool? {
    switch result.res.metrics[normBitMetricKey] {
    case .bool(let bit)?: return bit
    case .int(let bit)?: return bit != 0
    case .double(let bit)?: return bit != 0
    default:
      privacyLogger.error("\(normBitMetricKey) not returned by client with id \(result.client.cid): left out")
      return nil
    }
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    guard Self.normBit(result) != nil,
      let checked = ClientClipCheck.enforce(result, reference: currentRoundParameters, norm: clippingNorm)
    else { return false }
    return strategy.accumulateFit(serverRound: serverRound, result: checked)
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    guard failures.isEmpty else { return (nil, [:]) }
    let reporting = results.filter { Self.normBit($0) != nil }
    DPRound.warnIfCohortDiffers(reporting.count, settings.numSampledClients)
    let norm = clippingNorm
    let prepared = reporting.compactMap {
      $0.res.parameters.tensors.isEmpty
        ? $0 : ClientClipCheck.enforce($0, reference: currentRoundParameters, norm: norm)
    }
    var (aggregated, metrics) = strategy.aggregateFit(
      serverRound: serverRound, results: prepared, failures: failures)
    aggregated = DPRound.addNoise(
      to: aggregated, stdDev: updateNoiseMultiplier * norm / Double(settings.numSampledClients), using: &rng)
    let unclipped = reporting.filter { Self.normBit($0) == false }.count
    let noisedCount = Double(unclipped) + clippedCountStdDev * rng.nextGaussian()
    clippingNorm = AdaptiveClipping.nextClippingNorm(
      norm, unclippedFraction: noisedCount / Double(settings.numSampledClients),
      targetQuantile: settings.targetClippedQuantile, learningRate: settings.clipNormLearningRate)
    metrics[DPRound.clippingNormKey] = .double(norm)
    return (aggregated, metrics)
  }

  /// The clipping norm, the noise generator's state and the wrapped strategy's (under `inner/`).
  public func exportState() -> StrategyState {
    var s = StrategyState().nesting(strategy.exportState(), under: "inner")
    s.set("noise_rng", rng)
    s.scalars["clipping_norm"] = .double(clippingNorm)
    return s
  }

  public mutating func restoreState(_ state: StrategyState) throws {
    if let saved = try state.random("noise_rng") { rng = saved }
    if case .double(let norm)? = state.scalars["clipping_norm"] { clippingNorm = norm }
    try strategy.restoreState(state.nested(under: "inner"))
  }
}

import PollenCore
import PollenServer

/// Central differential privacy with server-side adaptive clipping, wrapping any strategy, as
/// Flower's `DifferentialPrivacyServerSideAdaptiveClipping`
/// (`flwr/server/strategy/dp_adaptive_clipping.py`) but with Andrew et al.'s update rule
/// (``AdaptiveClipping``): each round the updates `wₖ − wᵗ` are clipped to the current norm
/// ``clippingNorm``, the wrapped strategy aggregates them, Gaussian noise of standard deviation
/// `z_Δ · C / m` is added, and the norm moves toward the γ-quantile of the update norms using
/// the noised count of unclipped updates.
///
/// A round with any failure keeps the old model and the old norm, as in Flower. When the wrapped
/// strategy folds results in as they arrive, each is clipped (and counted) on arrival.
///
/// Memory: O(model) when the wrapped strategy folds results in; otherwise the wrapped strategy's.
public struct DifferentialPrivacyServerSideAdaptiveClipping: StrategyDecorator, UpdateReferencing {
  /// The wrapped strategy.
  public var strategy: any Strategy
  /// The settings (Flower's names and defaults).
  public let settings: AdaptiveClippingSettings
  /// The clipping norm of the next round to aggregate.
  public private(set) var clippingNorm: Double
  /// σ_b, the noise on the count of unclipped updates.
  public let clippedCountStdDev: Double
  /// z_Δ, the noise multiplier of the update sum.
  public let updateNoiseMultiplier: Double
  /// The round's global model the updates are measured from.
  public var currentRoundParameters: [NDArray] = []
  var rng: SeededRandom
  private var unclipped = 0
  private var innerFoldsResults: Bool?

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
    return await strategy.configureFit(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }

  /// `result` clipped to ``clippingNorm`` (counted when it needed no clipping), or `nil` (logged)
  /// when its layers differ from the model's.
  mutating func clipped(_ result: FitResult) -> FitResult? {
    do {
      var res = result.res
      let clip = try Aggregation.clippedUpdate(
        res.parameters.tensors, reference: currentRoundParameters, clippingNorm: clippingNorm)
      res.parameters.tensors = clip.arrays
      if clip.scale >= 1 { unclipped += 1 }
      return (result.client, res)
    } catch {
      privacyLogger.error("DP adaptive clipping: client \(result.client.cid): \(error)")
      return nil
    }
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    guard innerFoldsResults != false, let clipped = clipped(result) else { return false }
    let folded = strategy.accumulateFit(serverRound: serverRound, result: clipped)
    innerFoldsResults = folded
    return folded
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    guard failures.isEmpty else { return (nil, [:]) }
    DPRound.warnIfCohortDiffers(results.count, settings.numSampledClients)
    let prepared = results.compactMap { $0.res.parameters.tensors.isEmpty ? $0 : clipped($0) }
    var (aggregated, metrics) = strategy.aggregateFit(
      serverRound: serverRound, results: prepared, failures: failures)
    let roundNorm = clippingNorm
    aggregated = DPRound.addNoise(
      to: aggregated, stdDev: updateNoiseMultiplier * roundNorm / Double(settings.numSampledClients),
      using: &rng)
    let noisedCount = Double(unclipped) + clippedCountStdDev * rng.nextGaussian()
    unclipped = 0
    clippingNorm = AdaptiveClipping.nextClippingNorm(
      roundNorm, unclippedFraction: noisedCount / Double(settings.numSampledClients),
      targetQuantile: settings.targetClippedQuantile, learningRate: settings.clipNormLearningRate)
    privacyLogger.debug("aggregate_fit: clipping norm \(roundNorm) → \(clippingNorm)")
    metrics[DPRound.clippingNormKey] = .double(roundNorm)
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

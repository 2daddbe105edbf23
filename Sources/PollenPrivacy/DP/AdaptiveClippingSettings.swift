/// The settings of an adaptive-clipping wrapper, with Flower's names and defaults
/// (`flwr/server/strategy/dp_adaptive_clipping.py`; Andrew et al. recommend them).
public struct AdaptiveClippingSettings: Sendable, Hashable {
  /// The noise multiplier `z` of the whole mechanism (update sum and count together).
  public var noiseMultiplier: Double
  /// The number of clients sampled each round, `m`.
  public var numSampledClients: Int
  /// The first round's clipping norm (Flower: 0.1).
  public var initialClippingNorm = 0.1
  /// γ: the quantile of update norms the clipping norm tracks (Flower: 0.5). Flower calls it the
  /// target *clipped* quantile; with Andrew et al.'s rule (``AdaptiveClipping``) a share γ of the
  /// updates ends up unclipped, which for the default 0.5 is the same median.
  public var targetClippedQuantile = 0.5
  /// η, the clipping norm's learning rate (Flower: 0.2).
  public var clipNormLearningRate = 0.2
  /// σ_b, the standard deviation of the noise on the count (Flower: `m / 20` when `nil`).
  public var clippedCountStdDev: Double?

  public init(noiseMultiplier: Double, numSampledClients: Int) {
    self.noiseMultiplier = noiseMultiplier
    self.numSampledClients = numSampledClients
  }

  /// Checks Flower's rules for these settings and returns σ_b and z_Δ
  /// (``AdaptiveClipping/noiseParameters(noiseMultiplier:numSampledClients:clippedCountStdDev:)``).
  public func noiseParameters() throws -> (clippedCountStdDev: Double, updateNoiseMultiplier: Double) {
    try AdaptiveClipping.validate(
      noiseMultiplier: noiseMultiplier, numSampledClients: numSampledClients,
      initialClippingNorm: initialClippingNorm, targetClippedQuantile: targetClippedQuantile,
      clipNormLearningRate: clipNormLearningRate, clippedCountStdDev: clippedCountStdDev)
    return try AdaptiveClipping.noiseParameters(
      noiseMultiplier: noiseMultiplier, numSampledClients: numSampledClients,
      clippedCountStdDev: clippedCountStdDev)
  }
}

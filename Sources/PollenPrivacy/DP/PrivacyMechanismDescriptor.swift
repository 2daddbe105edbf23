import PollenCore
import PollenServer

/// One DP mechanism of ``PrivacyPlan``: its options and what it puts on each side — adding a
/// mechanism is one entry of ``PrivacyPlan/catalogue``.
public struct PrivacyMechanismDescriptor: Sendable {
  /// What a descriptor's functions are given.
  public struct Context: Sendable {
    /// The options, checked against ``PrivacyMechanismDescriptor/optionKeys``.
    public var options: StrategyOptions
    /// The default `num_sampled_clients` (the run's cohort size).
    public var sampledPerRound: Int
    /// The noise seed.
    public var seed: UInt64?
  }

  /// The option keys (Flower's names).
  public let optionKeys: [String]
  /// Whether every round's noise covers the whole population (local DP: each client's own
  /// noise, no amplification by sampling).
  public let isLocal: Bool
  /// The noise multiplier the accountant composes each round.
  public let noiseMultiplier: @Sendable (Context) throws -> Double
  /// The server's wrapper around the strategy (`nil`: the strategy is unchanged).
  public let wrapStrategy: (@Sendable (any Strategy, Context) throws -> any Strategy)?
  /// The client middleware (`nil`: clients are unchanged).
  public let wrapClient: (@Sendable (any Client, Context) throws -> any Client)?

  public init(
    optionKeys: [String], isLocal: Bool = false,
    noiseMultiplier: @escaping @Sendable (Context) throws -> Double,
    wrapStrategy: (@Sendable (any Strategy, Context) throws -> any Strategy)? = nil,
    wrapClient: (@Sendable (any Client, Context) throws -> any Client)? = nil
  ) {
    self.optionKeys = optionKeys
    self.isLocal = isLocal
    self.noiseMultiplier = noiseMultiplier
    self.wrapStrategy = wrapStrategy
    self.wrapClient = wrapClient
  }
}

extension PrivacyMechanismDescriptor.Context {
  /// The option `key` in `range`; throws naming the option when it is missing.
  public func required(_ key: String, in range: ClosedRange<Double>) throws -> Double {
    guard options.has(key) else {
      throw PollenError(
        .invalidArgument, "\(options.strategy) needs the option \(key) (--dp-option \(key)=…)")
    }
    return try options.double(key, 0, in: range)
  }

  /// `num_sampled_clients`, by default the run's cohort.
  public func numSampledClients() throws -> Int {
    try options.int("num_sampled_clients", sampledPerRound, minimum: 1)
  }

  /// The adaptive-clipping settings of the options.
  func adaptiveSettings() throws -> AdaptiveClippingSettings {
    let o = options
    var s = AdaptiveClippingSettings(
      noiseMultiplier: try required("noise_multiplier", in: 0...Double.infinity),
      numSampledClients: try numSampledClients())
    s.initialClippingNorm = try o.double("initial_clipping_norm", s.initialClippingNorm)
    s.targetClippedQuantile = try o.double("target_clipped_quantile", s.targetClippedQuantile)
    s.clipNormLearningRate = try o.double("clip_norm_lr", s.clipNormLearningRate)
    if o.has("clipped_count_stddev") { s.clippedCountStdDev = try o.double("clipped_count_stddev", 0) }
    return s
  }
}

import PollenCore
import PollenServer

/// The differential privacy of a run, as the CLI states it (`--dp KIND --dp-option key=value
/// --target-delta δ --max-epsilon ε --accountant rdp|pld`): which mechanism, its options (Flower's
/// names), and how ε is accounted. ``wrap(_:sampledPerRound:samplingRate:)`` puts the server's
/// wrappers around a strategy, ``wrapClient(_:id:)`` the client middleware around a client.
public struct PrivacyPlan: Sendable {
  /// The mechanisms, by their `--dp` names.
  public enum Mechanism: String, Sendable, CaseIterable {
    /// Server-side fixed clipping + central noise (``DifferentialPrivacyServerSideFixedClipping``).
    case centralFixed = "central-fixed"
    /// Server-side adaptive clipping + central noise.
    case centralAdaptive = "central-adaptive"
    /// Clients clip to a fixed norm (``FixedClippingClient``), the server adds noise.
    case clientFixed = "client-fixed"
    /// Clients clip to the server's adaptive norm (``AdaptiveClippingClient``), the server adds noise.
    case clientAdaptive = "client-adaptive"
    /// Each client clips and noises its own update (``LocalDPClient``).
    case local
  }

  public var mechanism: Mechanism
  /// The mechanism's options by Flower's snake_case names.
  public var options: [String: String]
  /// δ at which ε is reported (default 1e-5).
  public var targetDelta = 1e-5
  /// The budget that ends the run cleanly before a round would exceed it.
  public var maxEpsilon: Double?
  /// The accountant.
  public var accountant: PrivacyAccountantKind = .rdp
  /// How rounds sample clients, for amplification (default: without replacement, as Pollen's
  /// client managers sample a fixed-size cohort — Poisson with the PLD accountant, which has no
  /// analysis of the other; `none` when every client takes part). Without replacement is
  /// accounted under replace-one neighbours, with z/2 (sensitivity 2C).
  public var sampling: PrivacySampling?
  /// The noise seed (derived per client for local DP).
  public var seed: UInt64?

  public init(_ mechanism: Mechanism, options: [String: String] = [:]) {
    self.mechanism = mechanism
    self.options = options
  }

  /// The options each mechanism accepts.
  public static func optionKeys(for mechanism: Mechanism) -> [String] { descriptor(mechanism).optionKeys }

  static func descriptor(_ mechanism: Mechanism) -> PrivacyMechanismDescriptor { catalogue[mechanism]! }

  /// The descriptor's context for these options; throws for unknown keys.
  private func context(sampledPerRound: Int = 1, seed: UInt64? = nil) throws
    -> PrivacyMechanismDescriptor.Context
  {
    let o = StrategyOptions(options, strategy: "--dp \(mechanism.rawValue)")
    try o.check(valid: Self.optionKeys(for: mechanism))
    return .init(options: o, sampledPerRound: sampledPerRound, seed: seed)
  }

  /// The noise multiplier the accountant composes each round (for local DP:
  /// `√(2 ln(1.25/δ)) / ε`, the noise of one round relative to its sensitivity).
  public func noiseMultiplier() throws -> Double {
    try Self.descriptor(mechanism).noiseMultiplier(try context())
  }

  /// Validates everything before a run starts (the options, and that the mechanism's own
  /// constructors accept them) — nothing is sent to a client with a bad plan.
  public func validate(sampledPerRound: Int, samplingRate: Double) throws {
    _ = try wrap(FedAvg(), sampledPerRound: sampledPerRound, samplingRate: samplingRate)
    _ = try clientMiddleware()
  }

  /// Throws unless the mechanism works when the server sees only the secure sum of the updates
  /// (SecAgg+): the server cannot clip an update it never sees (`central-*`), nor count the norm
  /// bits of adaptive clipping on the clients; `client-fixed` and `local` work.
  public func checkCompatibleWithSecureAggregation() throws {
    guard mechanism == .clientFixed || mechanism == .local else {
      throw PollenError(
        .invalidArgument,
        "--dp \(mechanism.rawValue) cannot run with secure aggregation: the server never sees an individual update (to clip it, or to count adaptive clipping's norm bits); use --dp client-fixed or local"
      )
    }
  }

  /// `strategy` with the server's side of the mechanism and the accountant around it.
  /// `sampledPerRound` is the default `num_sampled_clients`; `samplingRate` is q.
  public func wrap(_ strategy: any Strategy, sampledPerRound: Int, samplingRate: Double) throws
    -> any Strategy
  {
    let d = Self.descriptor(mechanism)
    let c = try context(sampledPerRound: sampledPerRound, seed: seed)
    let wrapped = try d.wrapStrategy?(strategy, c) ?? strategy
    let q = d.isLocal ? 1 : min(1, max(samplingRate, Double.leastNonzeroMagnitude))
    let how: PrivacySampling =
      q >= 1 ? .none : (sampling ?? (accountant == .pld ? .poisson : .withoutReplacement))
    if how == .withoutReplacement, accountant == .pld {
      throw PollenError(
        .invalidArgument,
        "the PLD accountant has no analysis of sampling without replacement (dp-accounting 0.6.0 has none either): use --accountant rdp or --dp-sampling poisson"
      )
    }
    // Sampling without replacement is analysed under replace-one neighbours (dp-accounting's
    // `_compute_rdp_sample_wor_gaussian`): replacing one client moves the clipped sum by up to
    // 2C, so the noise multiplier relative to that sensitivity is half of z.
    let z = try d.noiseMultiplier(c)
    return try PrivacyAccounting(
      wrapped, noiseMultiplier: how == .withoutReplacement ? z / 2 : z, samplingRate: q, sampling: how,
      delta: targetDelta, maxEpsilon: maxEpsilon, accountant: accountant)
  }

  /// The client middleware as a function that cannot fail (the options are checked once, here):
  /// for a client factory.
  public func clientMiddleware() throws -> @Sendable (any Client, Int) -> any Client {
    _ = try wrapClient(NoClient(), id: 0)
    let plan = self
    return { client, id in (try? plan.wrapClient(client, id: id)) ?? client }
  }

  /// `client` with the mechanism's client middleware (unchanged for the central mechanisms);
  /// client `id` gets its own noise seed.
  public func wrapClient(_ client: any Client, id: Int) throws -> any Client {
    let c = try context(seed: seed.map { $0 &+ UInt64(id) &* 0x9E37_79B9_7F4A_7C15 })
    return try Self.descriptor(mechanism).wrapClient?(client, c) ?? client
  }

  /// The plan as `(key, value)` settings, for config.json and reports.
  public var settings: [(key: String, value: String)] {
    var s: [(key: String, value: String)] = [
      ("dp", mechanism.rawValue),
      ("dp_options", options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ",")),
      ("target_delta", "\(targetDelta)"), ("accountant", accountant.rawValue),
    ]
    if let maxEpsilon { s.append(("max_epsilon", "\(maxEpsilon)")) }
    return s
  }
}

/// A client that does nothing, to check middleware options before a run.
private struct NoClient: Client {}

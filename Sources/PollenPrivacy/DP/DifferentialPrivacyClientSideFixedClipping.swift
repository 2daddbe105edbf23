import PollenCore
import PollenServer

/// Central differential privacy with client-side fixed clipping, as Flower's
/// `DifferentialPrivacyClientSideFixedClipping` (`flwr/server/strategy/dp_fixed_clipping.py`):
/// every FitIns carries `clipping_norm` (``clippingNormConfigKey``), the clients clip their own
/// updates (``FixedClippingClient``, or Flower's `fixedclipping_mod` on a Python client), and the
/// server adds Gaussian noise of standard deviation `z · C / m` to the aggregate.
///
/// Unlike Flower, the server checks the promise: an update whose norm exceeds `C` (a client
/// without the middleware) is clipped here and a warning names the client, so the noise is
/// always calibrated to a sensitivity that holds. A round with any failure keeps the old model.
///
/// Memory: the wrapped strategy's (results are not copied).
public struct DifferentialPrivacyClientSideFixedClipping: StrategyDecorator, UpdateReferencing {
  /// The config key of the clipping norm (Flower's `KEY_CLIPPING_NORM`).
  public static let clippingNormConfigKey = "clipping_norm"
  /// The wrapped strategy.
  public var strategy: any Strategy
  /// The noise multiplier `z`.
  public let noiseMultiplier: Double
  /// The clipping norm `C` the clients apply.
  public let clippingNorm: Double
  /// The number of clients sampled each round, `m`.
  public let numSampledClients: Int
  /// The round's global model the updates are measured from.
  public var currentRoundParameters: [NDArray] = []
  var rng: SeededRandom

  /// - Throws: `PollenError` `.invalidArgument` for the values Flower rejects.
  public init(
    _ strategy: any Strategy, noiseMultiplier: Double, clippingNorm: Double, numSampledClients: Int,
    seed: UInt64? = nil
  ) throws {
    try DPRound.validateFixed(
      noiseMultiplier: noiseMultiplier, clippingNorm: clippingNorm, numSampledClients: numSampledClients,
      clippingNormMessage: "The clipping threshold should be a positive value.")
    self.strategy = strategy
    self.noiseMultiplier = noiseMultiplier
    self.clippingNorm = clippingNorm
    self.numSampledClients = numSampledClients
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

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    guard let checked = ClientClipCheck.enforce(result, reference: currentRoundParameters, norm: clippingNorm)
    else { return false }
    return strategy.accumulateFit(serverRound: serverRound, result: checked)
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    guard failures.isEmpty else { return (nil, [:]) }
    DPRound.warnIfCohortDiffers(DPRound.contributors(results), numSampledClients)
    let norm = clippingNorm
    let prepared = results.compactMap {
      $0.res.parameters.tensors.isEmpty
        ? $0 : ClientClipCheck.enforce($0, reference: currentRoundParameters, norm: norm)
    }
    var (aggregated, metrics) = strategy.aggregateFit(
      serverRound: serverRound, results: prepared, failures: failures)
    aggregated = DPRound.addNoise(
      to: aggregated, stdDev: noiseMultiplier * clippingNorm / Double(numSampledClients), using: &rng)
    return (aggregated, metrics)
  }

  /// The noise generator's state and the wrapped strategy's (under `inner/`).
  public func exportState() -> StrategyState {
    var s = StrategyState().nesting(strategy.exportState(), under: "inner")
    s.set("noise_rng", rng)
    return s
  }

  public mutating func restoreState(_ state: StrategyState) throws {
    if let saved = try state.random("noise_rng") { rng = saved }
    try strategy.restoreState(state.nested(under: "inner"))
  }
}

/// The server's check of a client-side clip: an update within the norm (up to rounding) passes
/// unchanged; a larger one is clipped here, with a warning.
enum ClientClipCheck {
  static func enforce(_ result: FitResult, reference: [NDArray], norm: Double) -> FitResult? {
    do {
      let clip = try Aggregation.clippedUpdate(
        result.res.parameters.tensors, reference: reference, clippingNorm: norm)
      guard clip.norm > norm * (1 + 1e-5) else { return result }
      privacyLogger.warning(
        "client \(result.client.cid) sent an update of norm \(clip.norm) > clipping norm \(norm): clipped on the server"
      )
      var res = result.res
      res.parameters.tensors = clip.arrays
      return (result.client, res)
    } catch {
      privacyLogger.error("DP client-side clipping: client \(result.client.cid): \(error)")
      return nil
    }
  }
}

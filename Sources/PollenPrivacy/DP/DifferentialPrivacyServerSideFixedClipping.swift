import PollenCore
import PollenServer

/// Central differential privacy with server-side fixed clipping, wrapping any strategy, as
/// Flower's `DifferentialPrivacyServerSideFixedClipping` (McMahan et al. 2018; Andrew et al.):
/// each client's update `wₖ − wᵗ` is clipped to L2 norm ``clippingNorm``
/// (`Aggregation.clipUpdate(_:reference:clippingNorm:)`), the wrapped strategy aggregates the
/// clipped models, and Gaussian noise of standard deviation
/// `noiseMultiplier × clippingNorm / numSampledClients` is added to the result.
///
/// A round with any failure keeps the old model, as in Flower. When the wrapped strategy folds
/// results in as they arrive, each result is clipped on arrival and memory stays one model.
///
/// Flower draws the noise from numpy's global generator; Pollen from a `SeededRandom`, so a
/// seeded run is reproducible.
///
/// Memory: O(model) (the round's global model, a clipped copy per result being folded, and the
/// wrapped strategy's accumulator) when the wrapped strategy folds results in; otherwise the
/// wrapped strategy's, O(K × model).
public struct DifferentialPrivacyServerSideFixedClipping: StrategyDecorator, UpdateReferencing {
  /// The wrapped strategy.
  public var strategy: any Strategy
  /// Noise multiplier `z` of the Gaussian mechanism (Flower's `noise_multiplier`, ≥ 0; 1 or more
  /// is recommended for strong privacy).
  public let noiseMultiplier: Double
  /// The clipping norm `C` (Flower's `clipping_norm`, > 0).
  public let clippingNorm: Double
  /// The number of clients sampled each round (Flower's `num_sampled_clients`, > 0); a warning is
  /// logged when a round returns a different number of results.
  public let numSampledClients: Int
  /// The round's global model the updates are measured from (Flower's `current_round_params`),
  /// set by ``configureFit(serverRound:parameters:clientManager:)``.
  public var currentRoundParameters: [NDArray] = []
  var rng: SeededRandom
  private var innerFoldsResults: Bool?

  /// - Throws: `PollenError` `.invalidArgument` for a negative noise multiplier or a
  ///   non-positive clipping norm or client count (Flower raises `ValueError`).
  public init(
    _ strategy: any Strategy, noiseMultiplier: Double, clippingNorm: Double, numSampledClients: Int,
    seed: UInt64? = nil
  ) throws {
    try DPRound.validateFixed(
      noiseMultiplier: noiseMultiplier, clippingNorm: clippingNorm, numSampledClients: numSampledClients,
      clippingNormMessage: "The clipping norm should be a positive value.")
    self.strategy = strategy
    self.noiseMultiplier = noiseMultiplier
    self.clippingNorm = clippingNorm
    self.numSampledClients = numSampledClients
    self.rng = SeededRandom(seed: seed ?? UInt64.random(in: 0...UInt64.max))
  }

  /// The standard deviation of the noise: `noiseMultiplier × clippingNorm / numSampledClients`.
  public var noiseStdDev: Double { noiseMultiplier * clippingNorm / Double(numSampledClients) }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  )
    async -> [FitInstruction]
  {
    currentRoundParameters = parameters.tensors
    return await strategy.configureFit(
      serverRound: serverRound, parameters: parameters, clientManager: clientManager)
  }

  /// `result` with its update clipped, or `nil` (logged) when its layers differ from the model's.
  func clipped(_ result: FitResult) -> FitResult? {
    do {
      var res = result.res
      res.parameters.tensors = try Aggregation.clipUpdate(
        res.parameters.tensors, reference: currentRoundParameters, clippingNorm: clippingNorm)
      return (result.client, res)
    } catch {
      privacyLogger.error("DP fixed clipping: client \(result.client.cid): \(error)")
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
    if results.count != numSampledClients {
      privacyLogger.warning(
        "The number of clients returning parameters (\(results.count)) differs from the number of sampled clients (\(numSampledClients)). This could impact the differential privacy guarantees, potentially leading to privacy leakage or inadequate noise calibration."
      )
    }
    // Results folded in on arrival were clipped then; the others still carry their tensors.
    let prepared = results.compactMap { $0.res.parameters.tensors.isEmpty ? $0 : clipped($0) }
    var (aggregated, metrics) = strategy.aggregateFit(
      serverRound: serverRound, results: prepared, failures: failures)
    if let p = aggregated, !p.tensors.isEmpty {
      aggregated = Parameters(
        tensors: Aggregation.addGaussianNoise(p.tensors, stdDev: noiseStdDev, using: &rng))
      privacyLogger.debug("aggregate_fit: central DP noise with \(noiseStdDev) stdev added")
    }
    return (aggregated, metrics)
  }
}

extension DifferentialPrivacyServerSideFixedClipping {
  /// The noise generator's state and the wrapped strategy's state (under `inner/`).
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

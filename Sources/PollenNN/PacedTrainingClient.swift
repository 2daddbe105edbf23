import PollenCore

/// A ``TrainingClient`` on a device of a given speed: `fit` takes as long as processing its
/// examples at `examplesPerSecond` would, and a time limit stops training where such a device
/// would have stopped.
///
/// Exactly the simulator's compute model (`VirtualClock` in PollenSimulation), on a real client:
/// a time limit (the config's `timeout`, the settings' ``TrainingSettings/cutoff``) becomes
/// `max_examples = floor(limit × examplesPerSecond)`, and once trained the client waits until
/// `examples_processed / examplesPerSecond` seconds have passed since the call began. So a
/// federation of real processes over real links (the network lab) can be set beside the
/// virtual clock's prediction for the same profiles: the difference is then the network's and
/// the transport's, not the host's CPU.
public struct PacedTrainingClient: ArrayClient {
  /// The client doing the work (its settings' cut-off is applied here, in examples).
  public let base: TrainingClient
  /// The device's throughput.
  public let examplesPerSecond: Double

  /// - Precondition: `examplesPerSecond > 0`.
  public init(_ base: TrainingClient, examplesPerSecond: Double) {
    precondition(examplesPerSecond > 0 && examplesPerSecond.isFinite, "examplesPerSecond must be positive")
    var settings = base.settings
    self.cutoff = settings.cutoff
    settings.cutoff = nil
    self.base = TrainingClient(
      model: base.model, trainData: base.trainData, testData: base.testData, settings: settings)
    self.examplesPerSecond = examplesPerSecond
  }

  private let cutoff: Double?

  public func getParameters(config: Config) async throws -> [NDArray] {
    try await base.getParameters(config: config)
  }

  public func fit(parameters: [NDArray], config: Config) async throws -> ArrayFitResult {
    let started = ContinuousClock.now
    var config = config
    var settings = try base.settings.applying(config)
    settings.cutoff = cutoff
    if let limit = settings.effectiveTimeLimit {
      let cap = Int((limit * examplesPerSecond).rounded(.down))
      config["max_examples"] = .int(Int64(min(cap, config["max_examples"]?.intValue ?? cap)))
      config["timeout"] = nil
    }
    let result = try await base.fit(parameters: parameters, config: config)
    let processed = result.metrics["examples_processed"]?.intValue ?? result.numExamples
    let busy = Double(processed) / examplesPerSecond
    try await Task.sleep(
      until: started.advanced(by: .milliseconds(Int64((busy * 1000).rounded()))), clock: .continuous)
    return result
  }

  public func evaluate(parameters: [NDArray], config: Config) async throws -> ArrayEvaluateResult {
    try await base.evaluate(parameters: parameters, config: config)
  }
}

import PollenCore
import PollenData

/// An `ArrayClient` that trains a ``Sequential`` model on local data: the Swift counterpart
/// of a Flower `NumPyClient` around a PyTorch model.
///
/// Each call works on its own copy of the model, so one client may serve concurrent calls.
/// `fit` honours the config keys described in ``TrainingSettings`` (`local_epochs`, `lr`,
/// `batch_size`, `proximal_mu`, `max_examples`, `timeout`, `optimizer`, `momentum`,
/// `weight_decay`, `seed`) and mixes `server_round` into the shuffling seed. With `timeout`
/// (seconds), training stops when the time is up and the result reports the examples actually
/// processed (FedFS's partial work).
public struct TrainingClient: ArrayClient {
  /// The model with its initial parameters (what ``getParameters(config:)`` returns).
  public let model: Sequential
  /// The examples `fit` trains on.
  public let trainData: Dataset
  /// The held-out examples `evaluate` measures on.
  public let testData: Dataset
  /// Training settings used where the config is silent.
  public let settings: TrainingSettings

  public init(
    model: Sequential, trainData: Dataset, testData: Dataset, settings: TrainingSettings = .defaults
  ) {
    self.model = model
    self.trainData = trainData
    self.testData = testData
    self.settings = settings
  }

  /// The model's initial parameters as float32 arrays.
  public func getParameters(config: Config) async throws -> [NDArray] {
    model.parameterArrays()
  }

  /// Loads `parameters`, trains, and returns the new parameters; `numExamples` is the number
  /// of distinct training examples used (all of them unless `max_examples` cut the first
  /// epoch short), metrics `loss` (mean training loss), `examples_processed` (with repeats) and
  /// `examples_possible` (`epochs × local examples`, the work without `max_examples`; FedFS's `E·m_k`).
  public func fit(parameters: [NDArray], config: Config) async throws -> ArrayFitResult {
    var local = model
    try local.setParameters(parameters)
    let s = try settings.applying(config)
    let round = UInt64(truncatingIfNeeded: config["server_round"]?.intValue ?? 0)
    var seeds = SeededRandom.derived(seed: s.seed, stream: round)
    let result = try local.train(
      on: trainData, epochs: s.epochs, batchSize: s.batchSize, optimizer: s.optimizer,
      learningRate: s.learningRate, loss: s.loss, proximalMu: s.proximalMu, seed: seeds.next(),
      maxExamples: s.maxExamples,
      deadline: s.effectiveTimeLimit.map { ContinuousClock.now.advanced(by: .milliseconds(Int64($0 * 1000))) }
    )
    return ArrayFitResult(
      parameters: local.parameterArrays(),
      numExamples: min(result.examplesProcessed, trainData.count),
      metrics: [
        "loss": .double(result.meanLoss), "examples_processed": .int(Int64(result.examplesProcessed)),
        "examples_possible": .int(Int64(s.epochs * trainData.count)),
      ])
  }

  /// Loads `parameters` and returns the loss on the held-out data, with metric `accuracy`.
  public func evaluate(parameters: [NDArray], config: Config) async throws -> ArrayEvaluateResult {
    var local = model
    try local.setParameters(parameters)
    let (loss, accuracy) = try local.evaluate(on: testData, loss: settings.loss)
    return ArrayEvaluateResult(
      loss: loss, numExamples: testData.count, metrics: ["accuracy": .double(accuracy)])
  }
}

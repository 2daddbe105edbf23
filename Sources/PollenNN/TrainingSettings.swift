import PollenCore

/// How a ``TrainingClient`` trains when the server's config does not say otherwise.
public struct TrainingSettings: Sendable, Hashable {
  /// Passes over the local data per `fit` (config key `local_epochs`).
  public var epochs: Int
  /// Step size (config key `lr`).
  public var learningRate: Float
  /// Examples per step (config key `batch_size`).
  public var batchSize: Int
  /// FedProx's μ (config key `proximal_mu`); 0 is plain local training.
  public var proximalMu: Float
  /// The optimizer (config keys `optimizer` = `"sgd"` | `"adam"`, `momentum`, `weight_decay`).
  public var optimizer: OptimizerKind
  /// The training loss.
  public var loss: Loss
  /// Base seed of the per-round shuffling (config key `seed`); mixed with `server_round`.
  public var seed: UInt64
  /// Stop after this many examples (config key `max_examples`); `nil` for no limit.
  public var maxExamples: Int?
  /// Stop after this many seconds of wall-clock training (config key `timeout`, FedFS's Δ);
  /// `nil` for no limit. The batch under way when time runs out is finished.
  public var timeLimit: Double?
  /// The device's own cut-off `τ` in seconds (the Flower paper's Table 6): training stops at
  /// `τ` whatever the server asks, and a `timeout` in the config can only shorten it. `nil`:
  /// none. (Not a config key: the client sets it for its hardware.)
  public var cutoff: Double?

  /// The wall-clock seconds a `fit` may train: the smaller of ``timeLimit`` and ``cutoff``.
  public var effectiveTimeLimit: Double? {
    switch (timeLimit, cutoff) {
    case (let limit?, let cutoff?): min(limit, cutoff)
    case (let limit, nil): limit
    case (nil, let cutoff): cutoff
    }
  }

  public init(
    epochs: Int = 1, learningRate: Float = 0.05, batchSize: Int = 32, proximalMu: Float = 0,
    optimizer: OptimizerKind = .sgd, loss: Loss = .softmaxCrossEntropy, seed: UInt64 = 0,
    maxExamples: Int? = nil
  ) {
    self.epochs = epochs
    self.learningRate = learningRate
    self.batchSize = batchSize
    self.proximalMu = proximalMu
    self.optimizer = optimizer
    self.loss = loss
    self.seed = seed
    self.maxExamples = maxExamples
  }

  /// One epoch, learning rate 0.05, batches of 32, no proximal term, plain SGD.
  public static let defaults = TrainingSettings()

  /// These settings overridden by the keys present in `config`. Numbers may arrive as `.int`
  /// or `.double` (Python sends `int` as sint64 and `float` as double).
  /// - Throws: `PollenError/Code-swift.struct/invalidArgument` for a value of the wrong kind
  ///   or out of range.
  public func applying(_ config: Config) throws -> TrainingSettings {
    var s = self
    func int(_ key: String, min: Int) throws -> Int? {
      guard let value = config[key] else { return nil }
      guard let v = value.intValue, v >= min else {
        throw PollenError(.invalidArgument, "config \(key) must be an integer ≥ \(min), got \(value)")
      }
      return v
    }
    func double(_ key: String) throws -> Double? {
      guard let value = config[key] else { return nil }
      guard let v = value.doubleValue, v.isFinite, v >= 0 else {
        throw PollenError(.invalidArgument, "config \(key) must be a non-negative number, got \(value)")
      }
      return v
    }
    if let v = try int("local_epochs", min: 0) { s.epochs = v }
    if let v = try double("lr") { s.learningRate = Float(v) }
    if let v = try int("batch_size", min: 1) { s.batchSize = v }
    if let v = try double("proximal_mu") { s.proximalMu = Float(v) }
    if let v = try int("max_examples", min: 0) { s.maxExamples = v }
    if let v = try double("timeout") { s.timeLimit = v }
    if let value = config["seed"] {
      guard let v = value.intValue else {
        throw PollenError(.invalidArgument, "config seed must be an integer")
      }
      s.seed = UInt64(bitPattern: Int64(v))
    }
    let momentum = try double("momentum").map { Float($0) }
    let weightDecay = try double("weight_decay").map { Float($0) }
    let name = try config["optimizer"].map { value -> String in
      guard let name = value.stringValue?.lowercased(), name == "sgd" || name == "adam" else {
        throw PollenError(.invalidArgument, "config optimizer must be \"sgd\" or \"adam\", got \(value)")
      }
      return name
    }
    switch (name, s.optimizer) {
    case ("adam", .adam(let b1, let b2, let eps, let wd)), (nil, .adam(let b1, let b2, let eps, let wd)):
      s.optimizer = .adam(beta1: b1, beta2: b2, epsilon: eps, weightDecay: weightDecay ?? wd)
    case ("adam", .sgd(_, let wd)):
      s.optimizer = .adam(weightDecay: weightDecay ?? wd)
    case (_, .sgd(let m, let wd)):
      s.optimizer = .sgd(momentum: momentum ?? m, weightDecay: weightDecay ?? wd)
    case (_, .adam(_, _, _, let wd)):
      s.optimizer = .sgd(momentum: momentum ?? 0, weightDecay: weightDecay ?? wd)
    }
    return s
  }
}

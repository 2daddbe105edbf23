import PollenCore
import PollenData

extension Sequential {
  /// One optimisation step on a batch: forward, loss, backward, then `optimizer` updates every
  /// parameter (with FedProx's `μ · (w − w_global)` added to its gradient when `proximal` is
  /// given). Returns the batch's mean loss (without the proximal term).
  @discardableResult
  public mutating func trainStep(
    inputs: Tensor, labels: [Int32], loss: Loss = .softmaxCrossEntropy,
    optimizer: inout some Optimizer, proximal: ProximalTerm? = nil
  ) -> Double {
    let output = forward(inputs)
    let (value, gradient) = loss.evaluate(output, labels: labels)
    backward(gradient)
    optimizer.beginStep()
    updateParameters { parameter, gradient, index in
      if let proximal, proximal.mu != 0 {
        let g = proximal.adding(to: gradient.data, parameter: parameter.data, index: index)
        optimizer.update(&parameter.data, gradient: g, slot: index)
      } else {
        optimizer.update(&parameter.data, gradient: gradient.data, slot: index)
      }
    }
    return value
  }

  /// Trains on `data` with mini-batches, shuffling every epoch with a generator seeded by
  /// `seed` (the same seed and data reproduce the same parameters exactly).
  ///
  /// - Parameters:
  ///   - data: the examples to train on.
  ///   - loss: the loss to minimise.
  ///   - epochs: passes over `data`.
  ///   - batchSize: examples per step.
  ///   - learningRate: the optimiser's step size.
  ///   - seed: seeds the shuffle.
  ///   - optimizer: created afresh for this call, with `learningRate`.
  ///   - proximalMu: FedProx's μ; when positive, `μ/2 · ‖w − w_global‖²` is added to the loss,
  ///     `w_global` being `globalParameters`, or the parameters at the start of this call.
  ///   - globalParameters: `w_global` for the proximal term (default: the starting parameters).
  ///   - maxExamples: stop after this many examples (the last batch is cut short), e.g. to
  ///     model a client that only has time for part of its work.
  ///   - deadline: stop starting new batches once the continuous clock reaches it (a client
  ///     that must answer within a time limit reports the examples it actually processed).
  /// - Returns: the mean training loss over the examples processed (without the proximal
  ///   term) and their number (repeats across epochs included).
  /// - Throws: `PollenError/Code-swift.struct/shapeMismatch` if the data's example shape or
  ///   class count does not fit the model, or `globalParameters` do not match its parameters.
  public mutating func train(
    on data: Dataset, epochs: Int = 1, batchSize: Int = 32, optimizer: OptimizerKind = .sgd,
    learningRate: Float = 0.05, loss: Loss = .softmaxCrossEntropy, proximalMu: Float = 0,
    globalParameters: [Tensor]? = nil, seed: UInt64 = 0, maxExamples: Int? = nil,
    deadline: ContinuousClock.Instant? = nil
  ) throws -> (meanLoss: Double, examplesProcessed: Int) {
    try checkFits(data)
    guard batchSize > 0, epochs >= 0 else {
      throw PollenError(.invalidArgument, "batch size must be positive and epochs non-negative")
    }
    var proximal: ProximalTerm?
    if proximalMu > 0 {
      let global = globalParameters ?? parameters
      guard global.map(\.shape) == parameterShapes else {
        throw PollenError(.shapeMismatch, "global parameters do not match the model's parameters")
      }
      proximal = ProximalTerm(mu: proximalMu, global: global)
    }
    var rng = SeededRandom(seed: seed)
    let budget = maxExamples ?? Int.max
    var processed = 0
    var lossSum = 0.0
    func more() -> Bool {
      processed < budget && (deadline.map { ContinuousClock.now < $0 } ?? true)
    }
    func run<O: Optimizer>(_ optimizer: O) {
      var optimizer = optimizer
      var order = Array(0..<data.count)
      for _ in 0..<epochs where more() {
        order.shuffle(using: &rng)
        for start in stride(from: 0, to: order.count, by: batchSize) where more() {
          let end = min(order.count, start + batchSize, start + (budget - processed))
          let (inputs, labels) = data.batch(order[start..<end], shape: inputShape)
          let value = trainStep(
            inputs: inputs, labels: labels, loss: loss, optimizer: &optimizer, proximal: proximal)
          lossSum += value * Double(end - start)
          processed += end - start
        }
      }
    }
    run(optimizer.make(learningRate: learningRate))
    return (processed == 0 ? 0 : lossSum / Double(processed), processed)
  }

  /// The mean loss and the accuracy (fraction of examples whose largest output is the label)
  /// on `data`, in batches of `batchSize`. An empty data set gives `(0, 0)`.
  /// - Throws: `PollenError/Code-swift.struct/shapeMismatch` if the data does not fit.
  public func evaluate(
    on data: Dataset, loss: Loss = .softmaxCrossEntropy, batchSize: Int = 256
  ) throws -> (loss: Double, accuracy: Double) {
    try checkFits(data)
    var model = self
    var lossSum = 0.0
    var correct = 0
    for start in stride(from: 0, to: data.count, by: max(1, batchSize)) {
      let (inputs, labels) = data.batch(start..<min(data.count, start + max(1, batchSize)), shape: inputShape)
      let output = model.forward(inputs)
      lossSum += loss.evaluate(output, labels: labels).loss * Double(labels.count)
      let classes = output.shape[1]
      for (row, label) in labels.enumerated() {
        let base = row * classes
        var best = 0
        for j in 1..<classes where output.data[base + j] > output.data[base + best] { best = j }
        if best == Int(label) { correct += 1 }
      }
    }
    guard data.count > 0 else { return (0, 0) }
    return (lossSum / Double(data.count), Double(correct) / Double(data.count))
  }

  /// Throws unless `data`'s examples and classes fit this model.
  func checkFits(_ data: Dataset) throws {
    guard data.featureShape.reduce(1, *) == inputShape.reduce(1, *) else {
      throw PollenError(
        .shapeMismatch, "model takes examples of shape \(inputShape), data has \(data.featureShape)")
    }
    guard outputShape == [data.numClasses] else {
      throw PollenError(.shapeMismatch, "model outputs \(outputShape), data has \(data.numClasses) classes")
    }
  }
}

extension Dataset {
  /// The examples at `indices` as a `[count] + shape` tensor (`shape` holding `featureCount`
  /// values), with their labels.
  func batch(_ indices: some Collection<Int>, shape: [Int]) -> (Tensor, [Int32]) {
    let width = featureCount
    var values = [Float]()
    values.reserveCapacity(indices.count * width)
    var batchLabels = [Int32]()
    batchLabels.reserveCapacity(indices.count)
    features.withUnsafeBufferPointer { f in
      for i in indices {
        values.append(contentsOf: UnsafeBufferPointer(rebasing: f[(i * width)..<((i + 1) * width)]))
        batchLabels.append(labels[i])
      }
    }
    return (Tensor(shape: [indices.count] + shape, data: values), batchLabels)
  }
}

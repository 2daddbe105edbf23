import PollenCore
import PollenData
import PollenNN
import Testing

@Suite struct TrainingTests {
  @Test func mlpLearnsSeparableBlobs() throws {
    let train = separableBlobs(count: 300, dimensions: 10, classes: 3, seed: 1)
    let test = separableBlobs(count: 150, dimensions: 10, classes: 3, seed: 2)
    var model = Models.mlp(inputShape: [10], hidden: [16], classes: 3, seed: 2)
    let before = try model.evaluate(on: test)
    let result = try model.train(on: train, epochs: 5, batchSize: 16, learningRate: 0.05, seed: 3)
    let after = try model.evaluate(on: test)
    #expect(result.examplesProcessed == 1500)
    #expect(after.loss < before.loss)
    #expect(after.accuracy > 0.95, "accuracy \(after.accuracy)")
  }

  @Test func logisticRegressionWithAdamAndMSE() throws {
    let data = separableBlobs(count: 200, dimensions: 4, classes: 2, seed: 4)
    var model = Models.logisticRegression(inputShape: [4], classes: 2)
    _ = try model.train(on: data, epochs: 10, optimizer: .adam, learningRate: 0.05, seed: 1)
    #expect(try model.evaluate(on: data).accuracy > 0.95)
    var mse = Models.logisticRegression(inputShape: [4], classes: 2)
    let r = try mse.train(on: data, epochs: 10, learningRate: 0.01, loss: .meanSquaredError, seed: 1)
    #expect(r.meanLoss < 0.25)
    #expect(try mse.evaluate(on: data, loss: .meanSquaredError).accuracy > 0.95)
  }

  @Test func cnnLearnsSquares() throws {
    // The McMahan et al. architecture with few filters, so that it stays quick in debug builds.
    let train = squaresDataset(count: 200, seed: 5)
    let test = squaresDataset(count: 60, seed: 6)
    var model = Models.cnn(inputShape: [1, 28, 28], classes: 2, conv1: 4, conv2: 8, hidden: 16, seed: 7)
    let before = try model.evaluate(on: test)
    let result = try model.train(on: train, epochs: 1, batchSize: 10, learningRate: 0.05, seed: 8)
    let after = try model.evaluate(on: test)
    #expect(result.examplesProcessed == 200)
    #expect(after.loss < before.loss / 2, "loss \(before.loss) → \(after.loss)")
    #expect(after.accuracy > 0.9, "accuracy \(after.accuracy)")
  }

  @Test func mlpOnUCIDigits() throws {
    let digits = try EmbeddedDatasets.digits()
    #expect(digits.count == 1797)
    var rng = SeededRandom(seed: 42)
    let order = Array(0..<digits.count).shuffled(using: &rng)
    let cut = digits.count * 8 / 10
    let train = digits.subset(Array(order[..<cut]))
    let test = digits.subset(Array(order[cut...]))
    var model = Models.mlp(inputShape: [64], hidden: [64], classes: 10, seed: 1)
    _ = try model.train(on: train, epochs: 20, batchSize: 32, learningRate: 0.1, seed: 2)
    let (_, accuracy) = try model.evaluate(on: test)
    #expect(accuracy >= 0.95, "digits test accuracy \(accuracy)")
  }

  @Test func sameSeedSameParameters() throws {
    let data = separableBlobs(count: 100, dimensions: 6, classes: 3, seed: 10)
    func run(seed: UInt64) throws -> [Tensor] {
      var model = Models.mlp(inputShape: [6], hidden: [8], classes: 3, seed: 1)
      _ = try model.train(on: data, epochs: 2, batchSize: 8, optimizer: .sgd(momentum: 0.9), seed: seed)
      return model.parameters
    }
    #expect(try run(seed: 1) == run(seed: 1))
    #expect(try run(seed: 1) != run(seed: 2))
  }

  @Test func maxExamplesStopsEarly() throws {
    let data = separableBlobs(count: 100, dimensions: 6, classes: 3, seed: 11)
    var model = Models.mlp(inputShape: [6], classes: 3, seed: 1)
    let r = try model.train(on: data, epochs: 3, batchSize: 32, seed: 1, maxExamples: 150)
    #expect(r.examplesProcessed == 150)
    let none = try model.train(on: data, epochs: 3, seed: 1, maxExamples: 0)
    #expect(none.examplesProcessed == 0 && none.meanLoss == 0)
  }

  @Test func proximalTermKeepsParametersNearGlobal() throws {
    let data = separableBlobs(count: 100, dimensions: 6, classes: 3, seed: 12)
    let start = Models.mlp(inputShape: [6], classes: 3, seed: 1)
    func drift(mu: Float) throws -> Double {
      var model = start
      _ = try model.train(on: data, epochs: 3, learningRate: 0.05, proximalMu: mu, seed: 1)
      return ProximalTerm(mu: 2, global: start.parameters).value(model.parameters)
    }
    #expect(try drift(mu: 5) < drift(mu: 0) * 0.5)
    var model = start
    #expect(throws: PollenError.self) {
      try model.train(on: data, proximalMu: 1, globalParameters: [Tensor(shape: [1])])
    }
  }

  @Test func dataThatDoesNotFitIsRejected() {
    var model = Models.mlp(inputShape: [5], classes: 3, seed: 1)
    let wrongWidth = separableBlobs(count: 10, dimensions: 4, classes: 3, seed: 1)
    let wrongClasses = separableBlobs(count: 10, dimensions: 5, classes: 2, seed: 1)
    #expect(throws: PollenError.self) { try model.train(on: wrongWidth) }
    #expect(throws: PollenError.self) { try model.evaluate(on: wrongClasses) }
  }
}

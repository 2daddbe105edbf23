import PollenCore
import PollenNN
import Testing

@Suite struct ParameterTests {
  @Test func mlpRoundTripThroughNDArrays() throws {
    let source = Models.mlp(inputShape: [64], hidden: [32, 16], classes: 10, seed: 1)
    var target = Models.mlp(inputShape: [64], hidden: [32, 16], classes: 10, seed: 2)
    #expect(source.parameters != target.parameters)
    let arrays = source.parameterArrays()
    #expect(arrays.map(\.shape) == [[32, 64], [32], [16, 32], [16], [10, 16], [10]])
    #expect(arrays.allSatisfy { $0.dtype == .float32 })
    try target.setParameters(arrays)
    #expect(target.parameters == source.parameters)
    #expect(target.parameterArrays() == arrays)
  }

  @Test func cnnLayoutMatchesThePaper() {
    let cnn = Models.cnn()
    #expect(
      cnn.parameterShapes == [
        [32, 1, 5, 5], [32], [64, 32, 5, 5], [64], [512, 3136], [512], [10, 512], [10],
      ])
    #expect(cnn.parameterCount == 1_663_370)
    #expect(cnn.outputShape == [10])
    let logistic = Models.logisticRegression(inputShape: [1, 28, 28], classes: 10)
    #expect(logistic.parameterShapes == [[10, 784], [10]])
    #expect(logistic.parameters.allSatisfy { $0.data.allSatisfy { $0 == 0 } })
  }

  @Test func seedsReproduceInitialisation() {
    #expect(
      Models.cnn(conv1: 4, conv2: 8, hidden: 16, seed: 5).parameters
        == Models.cnn(conv1: 4, conv2: 8, hidden: 16, seed: 5).parameters)
    #expect(
      Models.mlp(inputShape: [8], classes: 2, seed: 5).parameters
        != Models.mlp(inputShape: [8], classes: 2, seed: 6).parameters)
  }

  func expectShapeMismatch(_ body: () throws -> Void) {
    do {
      try body()
      Issue.record("expected a shape mismatch")
    } catch let error as PollenError {
      #expect(error.code == .shapeMismatch, "\(error)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func setParametersRejectsWrongCountShapeAndDType() {
    var model = Models.mlp(inputShape: [4], hidden: [3], classes: 2, seed: 0)
    let before = model.parameters
    let good = model.parameterArrays()
    expectShapeMismatch { try model.setParameters(Array(good.dropLast())) }
    expectShapeMismatch { try model.setParameters(good + [good[0]]) }
    var wrongShape = good
    wrongShape[0] = NDArray([Float](repeating: 0, count: 12), shape: [4, 3])
    expectShapeMismatch { try model.setParameters(wrongShape) }
    var wrongType = good
    wrongType[1] = NDArray([Double](repeating: 0, count: 3), shape: [3])
    expectShapeMismatch { try model.setParameters(wrongType) }
    #expect(model.parameters == before)
  }

  @Test func modelRejectsLayersThatDoNotFit() {
    var rng = SeededRandom(seed: 0)
    do {
      _ = try Sequential(inputShape: [5], layers: [Dense(inputs: 4, outputs: 2, rng: &rng)])
      Issue.record("expected a shape mismatch")
    } catch {
      #expect((error as? PollenError)?.code == .shapeMismatch)
    }
  }
}

import PollenNN
import Testing

@Suite struct OptimizerTests {
  @Test func sgdMomentumAndWeightDecay() {
    var sgd = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
    var w: [Float] = [1, -2]
    // g' = g + 0.01·w = [0.51, 0.23]; v = g'; w − 0.1·v
    sgd.beginStep()
    sgd.update(&w, gradient: [0.5, 0.25], slot: 0)
    #expect(abs(w[0] - 0.949) < 1e-6 && abs(w[1] + 2.023) < 1e-6)
    // g' = [0.50949, 0.22977]; v = 0.9·[0.51, 0.23] + g' = [0.96849, 0.43677]
    sgd.beginStep()
    sgd.update(&w, gradient: [0.5, 0.25], slot: 0)
    #expect(abs(w[0] - 0.852151) < 1e-6 && abs(w[1] + 2.066677) < 1e-6)
  }

  @Test func plainSGD() {
    var sgd = SGD(learningRate: 0.5)
    var w: [Float] = [1, 2, 3]
    sgd.update(&w, gradient: [1, -1, 0.5], slot: 3)
    #expect(w == [0.5, 2.5, 2.75])
  }

  @Test func adamTwoSteps() {
    var adam = Adam(learningRate: 0.1)
    var w: [Float] = [1, -2]
    // Step 1: the bias-corrected update is lr · g / (|g| + ε) ≈ lr · sign(g).
    adam.beginStep()
    adam.update(&w, gradient: [0.5, -0.25], slot: 0)
    #expect(abs(w[0] - 0.9) < 1e-6 && abs(w[1] + 1.9) < 1e-6)
    // Step 2 with g = [0.1, 0.2]: m = [0.055, −0.0025], v = [2.5975e-4, 1.024375e-4],
    // m̂ = m / 0.19, v̂ = v / 0.001999.
    adam.beginStep()
    adam.update(&w, gradient: [0.1, 0.2], slot: 0)
    #expect(abs(w[0] - 0.8196959) < 1e-5 && abs(w[1] + 1.8941875) < 1e-5)
    #expect(adam.step == 2)
  }

  @Test func separateStatePerSlot() {
    var sgd = SGD(learningRate: 1, momentum: 0.5)
    var a: [Float] = [0]
    var b: [Float] = [0]
    sgd.update(&a, gradient: [1], slot: 0)
    sgd.update(&b, gradient: [2], slot: 1)
    sgd.update(&a, gradient: [1], slot: 0)
    #expect(a == [-2.5])  // v = 1, then 0.5 + 1
    #expect(b == [-2])
  }

  @Test func kindMakesConfiguredOptimizer() {
    let sgd = OptimizerKind.sgd(momentum: 0.9).make(learningRate: 0.2)
    #expect((sgd as? SGD)?.momentum == 0.9 && sgd.learningRate == 0.2)
    let adam = OptimizerKind.adam.make(learningRate: 0.01)
    #expect((adam as? Adam)?.beta2 == 0.999 && adam.learningRate == 0.01)
  }
}

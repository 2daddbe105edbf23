import PollenCore
import PollenServer
import Testing

@Suite("Aggregation: q-FFL, server optimisers, clipping")
struct ServerOptimizerTests {
  @Test("q-FFL by hand: w − ΣΔₖ / Σhₖ with each client's own loss")
  func qfflPaper() throws {
    // w = [1, 2], q = 1, L = 1 / 0.5 = 2.
    // A: wA = [0.5, 2], F = 2: ΔwA = [1, 0], ΔA = [2, 0], hA = 1·1 + 2·2 = 5.
    // B: wB = [1, 1],   F = 1: ΔwB = [0, 2], ΔB = [0, 2], hB = 4 + 2·1 = 6.
    let w = [f32([1, 2])]
    let out = try Aggregation.qffl(
      reference: w, clients: [([f32([0.5, 2])], 2), ([f32([1, 1])], 1)], q: 1, learningRate: 0.5)
    expectValues(out[0], [1 - 2.0 / 11, 2 - 2.0 / 11])
    let zero = try Aggregation.qffl(reference: w, clients: [([f32([0.5, 2])], 7)], q: 0, learningRate: 0.5)
    // One client with q = 0: h = L and Δ = L(w − wA), so the result is wA.
    expectValues(zero[0], [0.5, 2])
  }

  @Test("FedAvgM step: momentum carried over two rounds")
  func momentum() throws {
    // x0 = 1; round 1 average 0.5: g = 0.5, v = 0.5, x1 = 1 − 1·0.5 = 0.5.
    let r1 = try Aggregation.momentumStep(
      weights: [f32([1])], average: [f32([0.5])], velocity: nil, learningRate: 1, momentum: 0.9)
    expectValues(r1.weights[0], [0.5])
    expectValues(try #require(r1.velocity)[0], [0.5])
    // Round 2 average 0.25: g = 0.25, v = 0.9·0.5 + 0.25 = 0.7, x2 = 0.5 − 0.7 = −0.2.
    let r2 = try Aggregation.momentumStep(
      weights: r1.weights, average: [f32([0.25])], velocity: r1.velocity, learningRate: 1, momentum: 0.9)
    expectValues(r2.weights[0], [-0.2])
    expectValues(try #require(r2.velocity)[0], [0.7])
    // No momentum: x − η g, no velocity kept.
    let plain = try Aggregation.momentumStep(
      weights: [f32([1])], average: [f32([0.5])], velocity: nil, learningRate: 0.5, momentum: 0)
    expectValues(plain.weights[0], [0.75])
    #expect(plain.velocity == nil)
  }

  @Test("FedOpt steps by hand: Adagrad, Adam (Flower's bias correction), Yogi")
  func adaptive() throws {
    let h = Aggregation.AdaptiveHyperparameters(eta: 0.1, beta1: 0.9, beta2: 0.99, tau: 0.001)
    // Δ = 1 from x = 0.
    let ada = try Aggregation.adaptiveStep(
      rule: .adagrad, Aggregation.AdaptiveHyperparameters(eta: 0.1, beta1: 0, beta2: 0, tau: 0.001),
      serverRound: 1,
      weights: [f32([0])], average: [f32([1])], m: nil, v: nil)
    expectValues(ada.weights[0], [0.1 / 1.001])
    expectValues(ada.v[0], [1])
    // Adam round 1: m = 0.1, v = 0.01, η' = 0.1 · √(1 − 0.99²) / (1 − 0.9²).
    let adam = try Aggregation.adaptiveStep(
      rule: .adam, h, serverRound: 1, weights: [f32([0])], average: [f32([1])], m: nil, v: nil)
    let etaNorm = 0.1 * (1 - 0.99 * 0.99).squareRoot() / (1 - 0.81)
    expectValues(adam.weights[0], [etaNorm * 0.1 / (0.1 + 0.001)], tolerance: 1e-6)
    // Yogi from v = 0: v − 0.01 · 1 · sign(0 − 1) = 0.01; m = 0.1.
    let yogi = try Aggregation.adaptiveStep(
      rule: .yogi, h, serverRound: 1, weights: [f32([0])], average: [f32([1])], m: nil, v: nil)
    expectValues(yogi.v[0], [0.01])
    expectValues(yogi.weights[0], [0.1 * 0.1 / (0.1 + 0.001)])
  }

  @Test("clipping scales an update above the norm and leaves one below it")
  func clipping() throws {
    let clipped = try Aggregation.clipUpdate([f32([4, 6])], reference: [f32([1, 2])], clippingNorm: 1)
    expectValues(clipped[0], [1.6, 2.8])  // update (3, 4) has norm 5 → (0.6, 0.8)
    let kept = try Aggregation.clipUpdate([f32([1.3, 2.4])], reference: [f32([1, 2])], clippingNorm: 1)
    expectValues(kept[0], [1.3, 2.4])
    #expect(abs(Aggregation.l2Norm([f32([3]), f32([4])]) - 5) < 1e-12)
  }

  @Test("Gaussian noise is reproducible from a seed, with the requested spread")
  func noise() {
    let zeros = [NDArray(zeros: .float32, shape: [20_000])]
    var a = SeededRandom(seed: 5)
    var b = SeededRandom(seed: 5)
    let x = Aggregation.addGaussianNoise(zeros, stdDev: 0.5, using: &a)
    #expect(x == Aggregation.addGaussianNoise(zeros, stdDev: 0.5, using: &b))
    #expect(x[0].dtype == .float32)
    let v = x[0].doubles()
    let std = (v.reduce(0) { $0 + $1 * $1 } / Double(v.count)).squareRoot()
    #expect(abs(std - 0.5) < 0.02)
    #expect(Aggregation.addGaussianNoise(zeros, stdDev: 0, using: &a) == zeros)
  }
}

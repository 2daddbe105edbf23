import PollenCore
import Testing

@testable import PollenData

@Suite("Seeded sampling")
struct SamplingTests {
  @Test("Marsaglia–Tsang gamma has mean and variance equal to the shape", arguments: [0.3, 1.0, 2.5, 9.0])
  func gammaMoments(shape: Double) {
    var rng = SeededRandom(seed: 17)
    let n = 40_000
    let samples = (0..<n).map { _ in rng.nextGamma(shape: shape) }
    let mean = samples.reduce(0, +) / Double(n)
    let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
    #expect(samples.allSatisfy { $0 >= 0 })
    #expect(abs(mean - shape) < 0.04 * shape + 0.01)
    #expect(abs(variance - shape) < 0.1 * shape + 0.02)
  }

  @Test("Dirichlet draws sum to 1, stay finite for tiny alpha, and average alpha_i / sum alpha")
  func dirichlet() {
    var rng = SeededRandom(seed: 5)
    let tiny = rng.nextDirichlet([Double](repeating: 0.001, count: 50))
    #expect(tiny.allSatisfy { $0.isFinite && $0 >= 0 })
    #expect(abs(tiny.reduce(0, +) - 1) < 1e-9)
    var mean = [0.0, 0.0, 0.0]
    for _ in 0..<20_000 {
      let p = rng.nextDirichlet([1, 2, 5])
      for i in 0..<3 { mean[i] += p[i] / 20_000 }
    }
    #expect(abs(mean[0] - 0.125) < 0.01 && abs(mean[1] - 0.25) < 0.01 && abs(mean[2] - 0.625) < 0.01)
  }

  @Test("bounded integers are in range, uniform, and reproducible; shuffles permute")
  func integers() {
    var rng = SeededRandom(seed: 1)
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[rng.nextInt(below: 7)] += 1 }
    #expect(counts.allSatisfy { abs($0 - 10_000) < 400 })
    var a = SeededRandom(seed: 99)
    var b = SeededRandom(seed: 99)
    #expect((0..<100).map { _ in a.nextInt(below: 1000) } == (0..<100).map { _ in b.nextInt(below: 1000) })
    var values = Array(0..<100)
    rng.shuffle(&values)
    #expect(values != Array(0..<100) && values.sorted() == Array(0..<100))
  }
}

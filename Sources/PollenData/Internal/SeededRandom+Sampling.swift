import Foundation
import PollenCore

// Sampling helpers used by the loaders and partitioners. Everything draws from `SeededRandom`
// through integer arithmetic written here (not the standard library's `random(in:)`, whose
// algorithm may change between Swift versions), so a seed gives the same result everywhere.
// Floating-point draws go through the platform's `log`/`exp`/`pow`.

extension SeededRandom {
  /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject method, unbiased).
  mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
    let n = UInt64(bound)
    var m = next().multipliedFullWidth(by: n)
    if m.low < n {
      let threshold = (0 &- n) % n
      while m.low < threshold { m = next().multipliedFullWidth(by: n) }
    }
    return Int(m.high)
  }

  /// Shuffles `array` in place (Fisher–Yates).
  mutating func shuffle<T>(_ array: inout [T]) {
    var i = array.count - 1
    while i > 0 {
      let j = nextInt(below: i + 1)
      if i != j { array.swapAt(i, j) }
      i -= 1
    }
  }

  /// A normal sample with the given mean and standard deviation.
  mutating func nextNormal(mean: Double = 0, std: Double = 1) -> Double {
    mean + std * nextGaussian()
  }

  /// The natural log of a Gamma(`shape`, 1) sample (Marsaglia–Tsang, 2000).
  ///
  /// For `shape < 1` it uses the boost `G(a) = G(a + 1) · U^(1/a)`, evaluated in log space so
  /// tiny shapes (α = 0.001) do not underflow to zero.
  mutating func nextLogGamma(shape: Double) -> Double {
    precondition(shape > 0 && shape.isFinite, "gamma shape must be positive and finite")
    if shape < 1 {
      var u = nextUnit()
      while u <= 0 { u = nextUnit() }
      return nextLogGamma(shape: shape + 1) + log(u) / shape
    }
    let d = shape - 1.0 / 3.0
    let c = 1.0 / (9.0 * d).squareRoot()
    while true {
      var x: Double
      var v: Double
      repeat {
        x = nextGaussian()
        v = 1 + c * x
      } while v <= 0
      v = v * v * v
      let u = nextUnit()
      let x2 = x * x
      if u < 1 - 0.0331 * x2 * x2 { return log(d * v) }
      if u > 0, log(u) < 0.5 * x2 + d * (1 - v + log(v)) { return log(d * v) }
    }
  }

  /// A Gamma(`shape`, 1) sample (Marsaglia–Tsang). May underflow to 0 for tiny shapes.
  mutating func nextGamma(shape: Double) -> Double {
    exp(nextLogGamma(shape: shape))
  }

  /// A sample from Dirichlet(`alpha`): non-negative proportions summing to 1.
  ///
  /// Normalises the gamma draws in log space (log-sum-exp), so small concentrations give
  /// sparse but valid proportions instead of `0/0`.
  mutating func nextDirichlet(_ alpha: [Double]) -> [Double] {
    precondition(!alpha.isEmpty, "Dirichlet needs at least one concentration")
    var logs = alpha.map { nextLogGamma(shape: $0) }
    let top = logs.max()!
    var total = 0.0
    for i in logs.indices {
      logs[i] = exp(logs[i] - top)
      total += logs[i]
    }
    return logs.map { $0 / total }
  }
}

import PollenCore
import Testing

@testable import PollenServer

/// The fast path of ``WeightedSum`` (results batched four or eight at a time for large layers, loops split
/// across cores, pooled buffers) gives, bit for bit, the values of folding one result at a time
/// into a double-precision sum and dividing once.
@Suite("WeightedSum fast path: batched and parallel folds are exact")
struct WeightedSumFastPathTests {
  /// Above the deferral (2¹⁶) and core-split (2¹⁷) thresholds and odd, so batches, core splits and
  /// loop tails all occur.
  static let large = (1 << 18) + 37

  static func floats(_ n: Int, seed: Int) -> [Float] {
    (0..<n).map { i in Float(Int32(truncatingIfNeeded: (i &+ seed) &* 2_654_435_761) >> 8) * 0x1p-20 }
  }

  static func doubles(_ n: Int, seed: Int) -> [Double] {
    floats(n, seed: seed).enumerated().map { Double($1) + Double($0 % 13) * 0x1p-40 }
  }

  /// One result at a time: `acc[i] += w · x[i]` in double precision, then `acc[i] · (1 / Σ w)`.
  static func reference(_ results: [([Double], Double)]) -> [Double] {
    var acc = [Double](repeating: 0, count: results[0].0.count)
    for (x, w) in results {
      for i in acc.indices { acc[i] += w * x[i] }
    }
    let inv = 1.0 / results.reduce(0) { $0 + $1.1 }
    return acc.map { $0 * inv }
  }

  @Test("float32 updates, a large layer and a small one, K = 1 to 9", arguments: [1, 2, 4, 5, 7, 9])
  func float32Batches(k: Int) {
    let updates = (0..<k).map { c in (Self.floats(Self.large, seed: c), Double(3 + c % 4)) }
    let small = (0..<k).map { c in (Self.floats(5, seed: 100 + c), Double(3 + c % 4)) }
    var sum = WeightedSum(rule: .inplace)
    for c in 0..<k {
      sum.add([NDArray(updates[c].0), NDArray(small[c].0)], weight: updates[c].1)
    }
    let out = sum.average()
    #expect(out.map(\.dtype) == [.float32, .float32])
    let expected = Self.reference(updates.map { ($0.0.map(Double.init), $0.1) }).map { Float($0) }
    #expect(out[0].scalars(as: Float.self) == expected)
    let expectedSmall = Self.reference(small.map { ($0.0.map(Double.init), $0.1) }).map { Float($0) }
    #expect(out[1].scalars(as: Float.self) == expectedSmall)
  }

  @Test(
    "float32 updates of a layer that batches eight results at a time, K = 8 to 17",
    arguments: [8, 13, 15, 17])
  func float32LargeBatches(k: Int) {
    // Above WeightedSum.largeBatchThreshold and odd: folds of eight terms in groups of four, block
    // by block, and averages that finish up to seven deferred results, with loop tails.
    let count = WeightedSum.largeBatchThreshold + 37
    #expect(WeightedSum.batch(forLayerOf: count) == Kernels.maximumTerms)
    let updates = (0..<k).map { c in (Self.floats(count, seed: 7 * c), Double(2 + c % 5)) }
    var sum = WeightedSum(rule: .inplace)
    for (x, w) in updates { sum.add([NDArray(x)], weight: w) }
    let out = sum.average()
    let expected = Self.reference(updates.map { ($0.0.map(Double.init), $0.1) }).map { Float($0) }
    #expect(out[0].scalars(as: Float.self) == expected)
  }

  @Test("float32 and float64 results in one large layer (promoting rule): float64, exact")
  func mixedFloatDTypes() {
    let f32 = (0..<3).map { Self.floats(Self.large, seed: $0) }
    let f64 = (0..<3).map { Self.doubles(Self.large, seed: 10 + $0) }
    // Order: f32, f32, f64, f32, f64, f64: the batch is flushed at every change of dtype.
    let order: [(NDArray, [Double], Double)] = [
      (NDArray(f32[0]), f32[0].map(Double.init), 2), (NDArray(f32[1]), f32[1].map(Double.init), 5),
      (NDArray(f64[0]), f64[0], 1), (NDArray(f32[2]), f32[2].map(Double.init), 3),
      (NDArray(f64[1]), f64[1], 7), (NDArray(f64[2]), f64[2], 4),
    ]
    var sum = WeightedSum(rule: .promoting)
    for (a, _, w) in order { sum.add([a], weight: w) }
    let out = sum.average()
    #expect(out[0].dtype == .float64)
    #expect(out[0].scalars(as: Double.self) == Self.reference(order.map { ($0.1, $0.2) }))
  }

  @Test("a copy of a running sum is independent (copy on write), and averages outlive later rounds")
  func copyOnWriteAndPooledOutputs() {
    let xs = (0..<6).map { Self.floats(Self.large, seed: 50 + $0) }
    var first = WeightedSum()
    for x in xs[0..<4] { first.add([NDArray(x)], weight: 2) }
    var second = first
    second.add([NDArray(xs[4])], weight: 3)
    first.add([NDArray(xs[5])], weight: 3)
    let a = first.average()
    let b = second.average()
    let ref = { (idx: [Int]) in
      Self.reference(idx.map { (xs[$0].map(Double.init), $0 < 4 ? 2.0 : 3.0) }).map { Float($0) }
    }
    // Later aggregations reuse pooled buffers; the earlier averages must keep their values.
    for _ in 0..<3 {
      var again = WeightedSum()
      for x in xs { again.add([NDArray(x)], weight: 1) }
      _ = again.average()
    }
    #expect(a[0].scalars(as: Float.self) == ref([0, 1, 2, 3, 5]))
    #expect(b[0].scalars(as: Float.self) == ref([0, 1, 2, 3, 4]))
  }

  @Test("a large layer that turns int64 after three float32 results takes the exact path")
  func deferredThenPending() {
    let xs = (0..<3).map { Self.floats(Self.large, seed: 70 + $0) }
    let ints = (0..<Self.large).map { Int64($0 % 5) }
    var fast = WeightedSum(rule: .inplace)
    var oneByOne = WeightedSum(rule: .inplace)
    for x in xs { fast.add([NDArray(x)], weight: 2) }
    fast.add([NDArray(ints)], weight: 1)
    // The same results, each layer small enough to fold at once, give the same values.
    let cut = 1000
    for x in xs { oneByOne.add([NDArray(Array(x[..<cut]))], weight: 2) }
    oneByOne.add([NDArray(Array(ints[..<cut]))], weight: 1)
    let a = fast.average()[0]
    let b = oneByOne.average()[0]
    #expect(a.dtype == .float32 && b.dtype == .float32)
    #expect(Array(a.scalars(as: Float.self)[..<cut]) == b.scalars(as: Float.self))
  }
}

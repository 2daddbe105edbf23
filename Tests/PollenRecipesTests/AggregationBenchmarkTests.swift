import PollenCore
import PollenRecipes
import Testing

@Suite("pollen bench aggregate's engine")
struct AggregationBenchmarkTests {
  @Test("it runs and counts K·P·4 bytes of updates")
  func countsBytes() {
    let r = AggregationBenchmark.run(clients: 3, parameters: 1001, layers: 4, repetitions: 2)
    #expect(r.clients == 3 && r.parameters == 1001 && r.layers == 4)
    #expect(r.bytes == 3 * 1001 * 4)
    #expect(r.seconds > 0 && r.seconds.isFinite)
    #expect(r.gigabytesPerSecond == Double(r.bytes) / r.seconds / 1e9)
  }

  @Test("layers split the parameters nearly evenly")
  func layerSizes() {
    #expect(AggregationBenchmark.layerSizes(parameters: 10, layers: 3) == [4, 3, 3])
    #expect(AggregationBenchmark.layerSizes(parameters: 2, layers: 5) == [1, 1])
    #expect(AggregationBenchmark.layerSizes(parameters: 7, layers: 1) == [7])
  }

  @Test("updates are float32 .npy-decoded arrays of the right shapes")
  func updates() {
    let u = AggregationBenchmark.makeUpdates(clients: 2, parameters: 10, layers: 3)
    #expect(u.count == 2)
    #expect(u[0].map(\.shape) == [[4], [3], [3]])
    #expect(u.allSatisfy { $0.allSatisfy { $0.dtype == .float32 } })
    #expect(u[0][0].scalars(as: Float.self) != u[1][0].scalars(as: Float.self))
    #expect(u[0].allSatisfy { $0.scalars(as: Float.self).allSatisfy { abs($0) <= 0.5 } })
  }

  @Test("the timed aggregation is the weighted average (Σ nᵢ·xᵢ · (1 / Σ n)), for a tiny case")
  func aggregateIsCorrect() {
    let u = AggregationBenchmark.makeUpdates(clients: 3, parameters: 5, layers: 2)
    let weights = (0..<3).map { Double(AggregationBenchmark.numExamples(client: $0)) }
    #expect(weights == [10, 11, 12])
    let out = AggregationBenchmark.aggregate(u)
    #expect(out.map(\.shape) == [[3], [2]])
    for layer in 0..<2 {
      let got = out[layer].scalars(as: Float.self)
      for i in got.indices {
        let expected =
          (0..<3).reduce(0.0) { s, k in
            s + weights[k] * Double(u[k][layer].scalars(as: Float.self)[i])
          } * (1 / weights.reduce(0, +))
        #expect(got[i] == Float(expected))
      }
    }
  }
}

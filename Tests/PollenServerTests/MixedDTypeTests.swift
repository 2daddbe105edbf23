import Foundation
import PollenCore
import PollenServer
import PollenTesting
import Testing

/// Flower's dtype semantics, case by case, with values worked out by hand from
/// `flwr/server/strategy/aggregate.py` (`aggregate_inplace`'s `_try_inplace`, and `aggregate`).
@Suite("Mixed dtypes: Flower's rules by hand")
struct MixedDTypeTests {
  static func average(_ results: [([NDArray], Double)], rule: WeightedSum.Rule = .inplace) -> [NDArray] {
    var sum = WeightedSum(rule: rule)
    for (arrays, w) in results { sum.add(arrays, weight: w) }
    return sum.average()
  }

  @Test("an int64 model whose clients return float64: float64 weighted mean")
  func floatsOnIntModel() {
    let out = Self.average([
      ([NDArray([1.5, -2.0])], 1), ([NDArray([3.0, 4.0])], 3),
    ])
    #expect(out[0].dtype == .float64)
    #expect(out[0].scalars(as: Double.self) == [2.625, 2.5])
  }

  @Test("int64 first: its share truncates to 0, the float64 share is truncated into int64")
  func intFirst() {
    // f = 0.5 each. p = [10, -7] * int64(0.5) = [0, 0]; r = [2.9, -3.9] * 0.5 = [1.45, -1.95]
    // is not same_kind castable to int64, so np.array(r, int64) = [1, -1]; p = [1, -1].
    let out = Self.average([([NDArray([Int64(10), -7])], 1), ([NDArray([2.9, -3.9])], 1)])
    #expect(out[0].dtype == .int64)
    #expect(out[0].scalars(as: Int64.self) == [1, -1])
  }

  @Test("float64 first: the int64 share is multiplied by int64(f) = 0 and adds nothing")
  func floatFirst() {
    let out = Self.average([([NDArray([2.0, -4.0])], 1), ([NDArray([Int64(10), -7])], 3)])
    #expect(out[0].dtype == .float64)
    #expect(out[0].scalars(as: Double.self) == [0.5, -1.0])
  }

  @Test("all int64: zeros, unless one result holds all the examples")
  func allIntegers() {
    let two = Self.average([([NDArray([Int64(10), -7])], 1), ([NDArray([Int64(4), 8])], 1)])
    #expect(two[0].dtype == .int64 && two[0].scalars(as: Int64.self) == [0, 0])
    let lone = Self.average([([NDArray([Int64(10), -7])], 5)])
    #expect(lone[0].scalars(as: Int64.self) == [10, -7])
    let withEmpty = Self.average([([NDArray([Int64(4), 8])], 0), ([NDArray([Int64(10), -7])], 5)])
    #expect(withEmpty[0].scalars(as: Int64.self) == [10, -7])
  }

  @Test("bool first: kept when it has examples; a float share is != 0 and ORed in")
  func boolFirst() {
    let out = Self.average([([NDArray([true, false, false])], 1), ([NDArray([0.6, 0.2, 0.0])], 1)])
    #expect(out[0].dtype == .bool)
    #expect(out[0].scalars(as: Bool.self) == [true, true, false])
  }

  @Test("float32 then float64 stays float32 (fast path), float64 then float32 stays float64")
  func floatMix() {
    let a = Self.average([([NDArray([Float(1), 2])], 1), ([NDArray([2.0, 4.0])], 1)])
    #expect(a[0].dtype == .float32 && a[0].scalars(as: Float.self) == [1.5, 3])
    let b = Self.average([([NDArray([2.0, 4.0])], 1), ([NDArray([Float(1), 2])], 1)])
    #expect(b[0].dtype == .float64 && b[0].scalars(as: Double.self) == [1.5, 3])
  }

  @Test("layers are independent: each takes its dtype from the first result's layer")
  func perLayer() {
    let out = Self.average([
      ([NDArray([Float(1)]), NDArray([Int32(3)])], 1),
      ([NDArray([Int64(5)]), NDArray([Float(9)])], 1),
    ])
    #expect(out.map(\.dtype) == [.float32, .int32])
    #expect(out[0].scalars(as: Float.self) == [0.5])  // 1·0.5 + 5·int64(0.5)
    #expect(out[1].scalars(as: Int32.self) == [4])  // 3·0 + trunc(9·0.5)
  }

  @Test("integers wrap as numpy's do: uint8 sum of a negative int8 share")
  func wrapping() {
    // p = [200] * uint8(0.5) = 0; r = [-7] * int8(0.5) = 0; int8 is not same_kind castable to
    // uint8 but 0 casts to 0. With one result holding all examples the int8 value itself is
    // cast: uint8(-7) = 249.
    let out = Self.average([([NDArray([UInt8(200)])], 0), ([NDArray([Int8(-7)])], 4)])
    #expect(out[0].dtype == .uint8 && out[0].scalars(as: UInt8.self) == [249])
  }

  @Test("promoting (Flower's aggregate): integers become float64, float32 with int16 is float32")
  func promoting() {
    let ints = Self.average(
      [([NDArray([Int64(1), 2])], 1), ([NDArray([Int32(4), 8])], 3)], rule: .promoting)
    #expect(ints[0].dtype == .float64 && ints[0].scalars(as: Double.self) == [3.25, 6.5])
    let f = Self.average([([NDArray([Int16(1)])], 1), ([NDArray([Float(3)])], 1)], rule: .promoting)
    #expect(f[0].dtype == .float32 && f[0].scalars(as: Float.self) == [2])
    let b = Self.average([([NDArray([true])], 1), ([NDArray([false])], 1)], rule: .promoting)
    #expect(b[0].dtype == .float64 && b[0].scalars(as: Double.self) == [0.5])
    let same = Self.average([([NDArray([Float(1)])], 1), ([NDArray([Float(2)])], 1)], rule: .promoting)
    #expect(same[0].dtype == .float32 && same[0].scalars(as: Float.self) == [1.5])
  }

  @Test("the validator accepts another numeric dtype and still refuses shapes, counts and NaN/Inf")
  func validator() throws {
    let v = UpdateValidator(reference: Parameters(tensors: [NDArray([Int64(1), 2]), NDArray([Float(0)])]))
    try v.validate(Parameters(tensors: [NDArray([1.5, 2.5]), NDArray([true])]))
    try v.validate(Parameters(tensors: [NDArray([UInt8(1), 2]), NDArray([Int8(0)])]))
    func reason(_ tensors: [NDArray]) -> String? {
      do {
        try v.validate(Parameters(tensors: tensors))
        return nil
      } catch { return error.message }
    }
    #expect(
      reason([NDArray([1.0, 2.0, 3.0]), NDArray([Float(0)])])?.contains(
        "tensor 0: expected shape [2], got [3]") == true)
    #expect(reason([NDArray([1.0, 2.0])])?.contains("expected 2 tensors, got 1") == true)
    #expect(
      reason([NDArray([1.0, .infinity]), NDArray([Float(0)])])?.contains(
        "tensor 0 (float64) contains NaN or infinity") == true)
    #expect(
      reason([NDArray([Int64(1), 2]), NDArray([Float.nan])])?.contains("tensor 1 (float32) contains NaN")
        == true)
  }

  @Test("server optimisers step an int64 model with a float64 average in float64, as numpy does")
  func serverSteps() throws {
    let model = [NDArray([Int64(2), -4])]
    let average = [NDArray([1.5, -3.0])]
    let m = try Aggregation.momentumStep(
      weights: model, average: average, velocity: nil, learningRate: 0.5, momentum: 0.9)
    #expect(m.weights[0].dtype == .float64)
    #expect(m.weights[0].scalars(as: Double.self) == [1.75, -3.5])  // x − 0.5·(x − a)
    #expect(m.velocity?[0].scalars(as: Double.self) == [0.5, -1.0])
    let h = Aggregation.AdaptiveHyperparameters(eta: 0.1, beta1: 0, beta2: 0, tau: 0)
    let a = try Aggregation.adaptiveStep(
      rule: .adagrad, h, serverRound: 1, weights: model, average: average, m: nil, v: nil)
    #expect(a.weights[0].dtype == .float64 && a.m[0].dtype == .float64)
    // Δ = [−0.5, 1], m = Δ, v = Δ², x + 0.1·m/|Δ| = x + 0.1·sign(Δ).
    let w = a.weights[0].scalars(as: Double.self)
    #expect(abs(w[0] - 1.9) < 1e-12 && abs(w[1] + 3.9) < 1e-12)
  }

  @Test("pollen server's loop: a float64 update of an int64 model is a result, and the model changes")
  func serverLoop() async throws {
    let model = [NDArray([Int64(0), 0, 0], shape: [3])]
    let update = [NDArray([0.5, 1.0, -2.0])]
    let m = SimpleClientManager(seed: 3)
    for i in 0..<2 {
      await m.register(
        InProcessClientProxy(
          cid: "c\(i)", client: ScriptedClient(fit: .reply(parameters: update, numExamples: 10 + i))))
    }
    var server = Server(
      clientManager: m, strategy: FedAvg(fractionEvaluate: 0, initialParameters: Parameters(tensors: model)),
      config: ServerConfig(numRounds: 2))
    let history = await server.fit()
    #expect(history.failures.isEmpty)
    #expect(server.parameters.tensors[0].dtype == .float64)
    let values = server.parameters.tensors[0].scalars(as: Double.self)
    #expect(zip(values, [0.5, 1.0, -2.0]).allSatisfy { abs($0 - $1) < 1e-12 })
  }
}

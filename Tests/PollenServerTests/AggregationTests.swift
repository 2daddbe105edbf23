import PollenCore
import PollenServer
import Testing

/// A float32 vector.
func f32(_ values: [Float], shape: [Int]? = nil) -> NDArray { NDArray(values, shape: shape) }

/// Expects `a` to hold `expected` within `tolerance`.
func expectValues(
  _ a: NDArray, _ expected: [Double], tolerance: Double = 1e-6,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let got = a.doubles()
  #expect(got.count == expected.count, sourceLocation: sourceLocation)
  for (x, y) in zip(got, expected) where !(abs(x - y) <= tolerance) {
    Issue.record("got \(got), expected \(expected)", sourceLocation: sourceLocation)
    return
  }
}

@Suite("Aggregation: median and trimmed mean")
struct CoordinatewiseTests {
  @Test("median of an odd count is the middle value, per coordinate; dtype and shape kept")
  func medianOdd() throws {
    let models = [
      [f32([1, 10, 0, 0], shape: [2, 2])], [f32([5, 30, 0, 1], shape: [2, 2])],
      [f32([3, 20, 0, 2], shape: [2, 2])],
    ]
    let m = try Aggregation.median(models)
    #expect(m[0].dtype == .float32 && m[0].shape == [2, 2])
    expectValues(m[0], [3, 20, 0, 1])
  }

  @Test("median of an even count is the mean of the two middle values")
  func medianEven() throws {
    let m = try Aggregation.median([
      [NDArray([1.0, -1])], [NDArray([2.0, -2])], [NDArray([3.0, -4])], [NDArray([10.0, 100])],
    ])
    #expect(m[0].dtype == .float64)
    expectValues(m[0], [2.5, -1.5])
  }

  @Test("median propagates NaN, as numpy does")
  func medianNaN() throws {
    let m = try Aggregation.median([[f32([1, .nan])], [f32([2, 1])], [f32([3, 2])]])
    #expect(m[0].doubles()[0] == 2 && m[0].doubles()[1].isNaN)
  }

  @Test("trimmed mean cuts Int(beta × n) values from each tail")
  func trimmedMeanCuts() throws {
    #expect(Aggregation.trimmedMeanCut(count: 10, beta: 0.2) == (2, 8))
    #expect(Aggregation.trimmedMeanCut(count: 4, beta: 0.2) == (0, 4))  // Int(0.8) == 0: nothing cut
    #expect(Aggregation.trimmedMeanCut(count: 5, beta: 0.2) == (1, 4))
    #expect(Aggregation.trimmedMeanCut(count: 7, beta: 0.49) == (3, 4))
    let models = [[f32([1])], [f32([100])], [f32([2])], [f32([-50])], [f32([3])]]
    expectValues(try Aggregation.trimmedMean(models, beta: 0.2)[0], [2])  // (1 + 2 + 3) / 3
    expectValues(try Aggregation.trimmedMean(models, beta: 0)[0], [11.2])  // plain mean
  }

  @Test("trimmed mean rejects beta outside [0, 0.5)")
  func trimmedMeanBeta() {
    #expect(throws: PollenError.self) { try Aggregation.trimmedMean([[f32([1])]], beta: 0.5) }
    #expect(throws: PollenError.self) { try Aggregation.trimmedMean([[f32([1])]], beta: -0.1) }
    #expect(throws: PollenError.self) { try FedTrimmedAvg(beta: 0.5) }
  }

  @Test("mismatched layers and empty input throw")
  func shapes() {
    #expect(throws: PollenError.self) { try Aggregation.median([]) }
    #expect(throws: PollenError.self) { try Aggregation.median([[f32([1, 2])], [f32([1])]]) }
    #expect(throws: PollenError.self) { try Aggregation.median([[f32([1])], [f32([1]), f32([2])]]) }
  }
}

@Suite("Aggregation: Krum and Bulyan")
struct ByzantineTests {
  static let line: [[NDArray]] = [[f32([0])], [f32([0.1])], [f32([0.3])], [f32([10])]]

  @Test("Krum scores sum the n − f − 2 nearest squared distances")
  func scores() throws {
    let d = try Aggregation.squaredDistances(Self.line)
    #expect(abs(d[0][2] - 0.09) < 1e-6 && d[2][0] == d[0][2] && d[1][1] == 0)
    // f = 0: two nearest neighbours each.
    let s = Aggregation.krumScores(distances: d, numMalicious: 0)
    let expected = [0.01 + 0.09, 0.01 + 0.04, 0.04 + 0.09, 9.7 * 9.7 + 9.9 * 9.9]
    for (x, y) in zip(s, expected) { #expect(abs(x - y) < 1e-5) }
    // f = 1: max(1, 4 − 1 − 2) = 1 neighbour.
    #expect(abs(Aggregation.krumScores(distances: d, numMalicious: 1)[2] - 0.04) < 1e-6)
  }

  @Test("Krum picks the model nearest the others, never the outlier; MultiKrum averages the best")
  func krumPicks() throws {
    #expect(try Aggregation.krumSelection(Self.line, numMalicious: 0, toKeep: 0) == [1])
    let results = zip(Self.line, [1, 3, 1, 1]).map { (arrays: $0, numExamples: $1) }
    expectValues(try Aggregation.krum(results, numMalicious: 0, toKeep: 0)[0], [0.1])
    #expect(try Aggregation.krumSelection(Self.line, numMalicious: 0, toKeep: 2) == [1, 0])
    // Weighted by examples: (1·0 + 3·0.1) / 4.
    expectValues(try Aggregation.krum(results, numMalicious: 0, toKeep: 2)[0], [0.075])
    // Asking for more than n keeps all n.
    #expect(try Aggregation.krumSelection(Self.line, numMalicious: 0, toKeep: 9).count == 4)
  }

  @Test("Bulyan selects n − 2f models by repeated Krum and averages the n − 4f nearest the median")
  func bulyan() throws {
    let models = [0, 1, 2, 3, 4, 5, 100].map { [f32([Float($0)])] }
    #expect(try Aggregation.bulyanSizes(clients: 7, numMalicious: 1) == (5, 3))
    // Worked by hand with max(1, n − 3) neighbours: 2 (tie with 3, lower index), then 3, 1, 4, 0.
    #expect(try Aggregation.bulyanSelection(models, numMalicious: 1) == [2, 3, 1, 4, 0])
    expectValues(try Aggregation.bulyan(models, numMalicious: 1)[0], [2])  // median 2; mean of 1, 2, 3
    #expect(try Aggregation.bulyanSelection(models, numMalicious: 0).count == 7)
  }

  @Test("Bulyan needs at least 4f + 3 clients")
  func bulyanTooFew() throws {
    let six = (0..<6).map { [f32([Float($0)])] }
    #expect(throws: PollenError.self) { try Aggregation.bulyan(six, numMalicious: 1) }
    do {
      _ = try Aggregation.bulyanSizes(clients: 10, numMalicious: 2)
      Issue.record("10 clients cannot tolerate 2 malicious ones")
    } catch let e as PollenError {
      #expect(e.code == .invalidArgument && e.message.contains("11"))
    }
    #expect(try Aggregation.bulyanSizes(clients: 11, numMalicious: 2) == (7, 3))
  }

  @Test("metric averages: weighted by examples, per name over the clients that report it")
  func metricAverages() {
    let pairs: [(numExamples: Int, metrics: Metrics)] = [
      (10, ["accuracy": .double(0.5), "loss": .int(2), "tag": .string("a"), "ok": .bool(true)]),
      (30, ["accuracy": .double(0.9)]),
    ]
    let all = Aggregation.weightedNumericMetricAverages(pairs)
    #expect(all == ["accuracy": .double(0.8), "loss": .double(2)])
    #expect(Aggregation.weightedMetricAverage("accuracy")(pairs) == ["accuracy": .double(0.8)])
    #expect(Aggregation.weightedMetricAverage("missing")(pairs).isEmpty)
  }
}

import Foundation
import PollenCore
import PollenServer
import PollenTesting
import Testing

/// The `*-mixed-dtypes` fixtures of `Scripts/parity/generate.py`: Flower 1.41's strategies fed
/// updates whose dtypes differ from the model's and from each other. Values and dtypes must match.
@Suite("Mixed dtypes match Flower 1.41")
struct MixedDTypeParityTests {
  /// Asserts `actual` equals Flower's `expected` in dtype and shape, exactly for integer and bool
  /// dtypes, and within `ParityFixtures.expectClose`'s tolerance for floats.
  static func expectSame(
    _ actual: [NDArray], _ expected: [NDArray], _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.map(\.dtype) == expected.map(\.dtype), "\(what): dtypes", sourceLocation: sourceLocation)
    ParityFixtures.expectClose(actual, expected, sourceLocation: sourceLocation)
    for (l, (a, e)) in zip(actual, expected).enumerated() where !e.dtype.isFloatingPoint {
      #expect(a.doubles() == e.doubles(), "\(what), layer \(l): exact values", sourceLocation: sourceLocation)
    }
  }

  /// The round's results as `FitResult`s, folded into `strategy` first when `incremental`.
  static func results(
    _ round: [String: Any], into strategy: inout any Strategy, incremental: Bool
  ) -> [FitResult] {
    let r = round["round"] as! Int
    return (round["results"] as! [[String: Any]]).map { res in
      var fit = FitRes(
        parameters: Parameters(tensors: ParityFixtures.arrays(res["parameters"]!)),
        numExamples: res["num_examples"] as! Int)
      let proxy = StrategyReplay.proxy(res["cid"] as! String)
      if incremental, strategy.accumulateFit(serverRound: r, result: (proxy, fit)) {
        fit.parameters = .empty
      }
      return (proxy, fit)
    }
  }

  @Test(
    "FedAvg, one independent aggregation per dtype scenario",
    arguments: [("fedavg-mixed-dtypes", true), ("fedavg-mixed-dtypes-inplace-off", false)],
    [true, false])
  func fedAvgScenarios(_ fixture: (name: String, inplace: Bool), incremental: Bool) throws {
    let rounds = try ParityFixtures.load(fixture.name)["rounds"] as! [[String: Any]]
    #expect(rounds.count >= 12)
    for round in rounds {
      var fedAvg = FedAvg()
      fedAvg.inplace = fixture.inplace
      var strategy: any Strategy = fedAvg
      let results = Self.results(round, into: &strategy, incremental: incremental)
      let (params, _) = strategy.aggregateFit(serverRound: 1, results: results, failures: [])
      let got = try #require(params)
      Self.expectSame(
        got.tensors, ParityFixtures.arrays(round["expected"]!),
        "\(fixture.name) scenario \(round["scenario"]!)")
    }
  }

  @Test("the issue's case: an int64 model whose clients return float64 averages to float64")
  func issueCase() throws {
    let round = (try ParityFixtures.load("fedavg-mixed-dtypes")["rounds"] as! [[String: Any]])[0]
    let current = ParityFixtures.arrays(round["current_parameters"]!)
    #expect(current.allSatisfy { $0.dtype == .int64 })
    var strategy: any Strategy = FedAvg()
    let results = Self.results(round, into: &strategy, incremental: true)
    let got = try #require(strategy.aggregateFit(serverRound: 1, results: results, failures: []).parameters)
    #expect(got.tensors.allSatisfy { $0.dtype == .float64 })
    #expect(got.tensors.map { $0.doubles() } != current.map { $0.doubles() }, "the model changed")
  }

  @Test(
    "stateful strategies on an int64 model with float64 updates",
    arguments: ["fedavgm-mixed-dtypes", "fedadagrad-mixed-dtypes"], [true, false])
  func stateful(_ name: String, incremental: Bool) throws {
    let fixture = try ParityFixtures.load(name)
    let initial = Parameters(tensors: ParityFixtures.arrays(fixture["initial_parameters"]!))
    #expect(initial.tensors.allSatisfy { $0.dtype == .int64 })
    let base = FedAvg(initialParameters: initial)
    var strategy: any Strategy =
      name.hasPrefix("fedavgm")
      ? FedAvgM(fedAvg: base, serverLearningRate: 0.7, serverMomentum: 0.9)
      : FedAdagrad(fedAvg: base, eta: 0.1, etaL: 0.1, tau: 1e-3)
    let rounds = fixture["rounds"] as! [[String: Any]]
    #expect(rounds.count == 3)
    for round in rounds {
      let r = round["round"] as! Int
      let results = Self.results(round, into: &strategy, incremental: incremental)
      let got = try #require(strategy.aggregateFit(serverRound: r, results: results, failures: []).parameters)
      Self.expectSame(got.tensors, ParityFixtures.arrays(round["expected"]!), "\(name) round \(r)")
    }
  }
}

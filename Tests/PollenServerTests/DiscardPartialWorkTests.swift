import PollenCore
import PollenServer
import PollenTesting
import Testing

/// The Flower paper's FedAvg with timeout Δ: partial work is discarded, not averaged.
@Suite struct DiscardPartialWorkTests {
  let complete: Metrics = ["examples_processed": .int(100), "examples_possible": .int(100)]
  let partial: Metrics = ["examples_processed": .int(30), "examples_possible": .int(100)]

  @Test func partialResultsBecomeFailuresWhetherFoldedOrNot() {
    let results = [
      fitResult("a", [f32([2])], examples: 100, metrics: complete),
      fitResult("b", [f32([10])], examples: 100, metrics: partial),
      fitResult("c", [f32([4])], examples: 100, metrics: [:]),  // no work metrics: kept
    ]
    // Whole results to aggregateFit (a strategy that does not fold).
    var whole = DiscardPartialWork(FedMedian())
    let (p, _) = whole.aggregateFit(serverRound: 1, results: results, failures: [])
    expectValues(try! #require(p).tensors[0], [3])  // median of 2 and 4; 10 discarded
    // Folded as they arrive (FedAvg): the discarded one is claimed, never folded.
    var folded = DiscardPartialWork(FedAvg())
    let kept = results.map { folded.accumulateFit(serverRound: 1, result: $0) }
    #expect(kept == [true, true, true])
    let stripped = results.map { r -> FitResult in
      var res = r.res
      res.parameters = .empty
      return (r.client, res)
    }
    let (q, _) = folded.aggregateFit(serverRound: 1, results: stripped, failures: [])
    expectValues(try! #require(q).tensors[0], [3])  // (2·100 + 4·100) / 200
    #expect(DiscardPartialWork.isPartial(results[1].res))
    #expect(!DiscardPartialWork.isPartial(results[0].res))
  }

  @Test func theWrappedStrategySeesTheDiscardedAsFailures() {
    var s = DiscardPartialWork(Recorder())
    let results = [
      fitResult("a", [f32([2])], examples: 100, metrics: complete),
      fitResult("b", [f32([10])], examples: 100, metrics: partial),
    ]
    _ = s.aggregateFit(serverRound: 1, results: results, failures: [])
    let inner = s.strategy as! Recorder
    #expect(inner.lastResults == ["a"])
    #expect(inner.lastFailures == ["b"])
  }
}

/// Records what aggregateFit was given.
private struct Recorder: Strategy {
  var lastResults: [String] = []
  var lastFailures: [String] = []
  mutating func initializeParameters(clientManager: any ClientManager) async -> Parameters? { nil }
  mutating func configureFit(serverRound: Int, parameters: Parameters, clientManager: any ClientManager)
    async -> [FitInstruction]
  { [] }
  mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    lastResults = results.map(\.client.cid)
    lastFailures = failures.map(\.cid)
    return (nil, [:])
  }
  mutating func configureEvaluate(serverRound: Int, parameters: Parameters, clientManager: any ClientManager)
    async -> [EvaluateInstruction]
  { [] }
  mutating func aggregateEvaluate(serverRound: Int, results: [EvaluateResult], failures: [ClientFailure])
    -> (loss: Double?, metrics: Metrics)
  { (nil, [:]) }
  mutating func evaluate(serverRound: Int, parameters: Parameters) async -> (loss: Double, metrics: Metrics)?
  { nil }
}

import PollenCore
import PollenPrivacy
import PollenServer
import PollenTesting
import Testing

/// A successful fit result of client `cid`.
func fitResult(_ cid: String, _ arrays: [NDArray], examples: Int = 1, metrics: Metrics = [:]) -> FitResult {
  (
    StrategyReplay.proxy(cid),
    FitRes(parameters: Parameters(tensors: arrays), numExamples: examples, metrics: metrics)
  )
}

func failure(_ cid: String) -> ClientFailure { ClientFailure(cid: cid, error: PollenError(.timeout, "late")) }

@Suite("Strategy behaviour")
struct StrategyBehaviourTests {
  @Test("FaultTolerantFedAvg aggregates at or above the completion rate and declines below it")
  func faultTolerant() {
    var s = FaultTolerantFedAvg(minCompletionRateFit: 0.5, minCompletionRateEvaluate: 0.75)
    let two = [fitResult("a", [f32([1])]), fitResult("b", [f32([3])])]
    // 2 of 4 completed: accepted.
    let accepted = s.aggregateFit(serverRound: 1, results: two, failures: [failure("c"), failure("d")])
    expectValues(accepted.parameters!.tensors[0], [2])
    #expect(
      s.aggregateFit(serverRound: 2, results: Array(two.prefix(1)), failures: [failure("c"), failure("d")])
        .parameters == nil)
    #expect(s.aggregateFit(serverRound: 3, results: [], failures: []).parameters == nil)
    // A declined round folded in as it arrived leaves nothing behind for the next one.
    let kept = s.accumulateFit(serverRound: 4, result: fitResult("a", [f32([100])]))
    #expect(kept)
    #expect(
      s.aggregateFit(serverRound: 4, results: [fitResult("a", [])], failures: [failure("b"), failure("c")])
        .parameters == nil)
    let keptAgain = s.accumulateFit(serverRound: 5, result: fitResult("a", [f32([7])]))
    #expect(keptAgain)
    expectValues(
      s.aggregateFit(serverRound: 5, results: [fitResult("a", [])], failures: []).parameters!.tensors[0], [7])
    let eval = (StrategyReplay.proxy("a"), EvaluateRes(loss: 1, numExamples: 1))
    // Evaluation: 2 of 3 is below 0.75, 3 of 4 is not.
    #expect(s.aggregateEvaluate(serverRound: 1, results: [eval, eval], failures: [failure("c")]).loss == nil)
    #expect(
      s.aggregateEvaluate(serverRound: 1, results: [eval, eval, eval], failures: [failure("c")]).loss == 1)
    #expect(FaultTolerantFedAvg().fedAvg.minFitClients == 1)
  }

  @Test("strategies that need every result decline to fold them in; the others fold them in")
  func accumulate() async throws {
    let r = fitResult("a", [f32([1])])
    var median = FedMedian()
    var trimmed = try FedTrimmedAvg()
    var krum = Krum()
    var bulyan = Bulyan()
    let medianFolds = median.accumulateFit(serverRound: 1, result: r)
    #expect(!medianFolds)
    let trimmedFolds = trimmed.accumulateFit(serverRound: 1, result: r)
    #expect(!trimmedFolds)
    let krumFolds = krum.accumulateFit(serverRound: 1, result: r)
    #expect(!krumFolds)
    let bulyanFolds = bulyan.accumulateFit(serverRound: 1, result: r)
    #expect(!bulyanFolds)
    var prox = FedProx(proximalMu: 0.1)
    var avgm = FedAvgM(serverMomentum: 0.9)
    var adam = FedAdam()
    var q = QFedAvg(lossSource: .clientMetrics)
    let proxFolds = prox.accumulateFit(serverRound: 1, result: r)
    #expect(proxFolds)
    let avgmFolds = avgm.accumulateFit(serverRound: 1, result: r)
    #expect(avgmFolds)
    let adamFolds = adam.accumulateFit(serverRound: 1, result: r)
    #expect(adamFolds)
    let beforeRound = q.accumulateFit(serverRound: 1, result: r)
    #expect(!beforeRound, "no global model recorded yet")
    await q.beginRound(serverRound: 1, parameters: Parameters(tensors: [f32([0])]))
    let withoutLoss = q.accumulateFit(serverRound: 1, result: r)
    #expect(!withoutLoss, "no loss metric")
    let withLoss = q.accumulateFit(serverRound: 1, result: fitResult("a", [f32([1])], metrics: ["loss": 1]))
    #expect(withLoss)
  }

  @Test("FedAvgM carries its momentum across two rounds")
  func fedAvgMRounds() {
    var s = FedAvgM(
      fedAvg: FedAvg(initialParameters: Parameters(tensors: [f32([1])])), serverLearningRate: 1,
      serverMomentum: 0.9)
    // Round 1: the clients average to 0.5 → x1 = 0.5. Round 2: they average to 0.25 → v = 0.7, x2 = −0.2.
    let p1 = s.aggregateFit(
      serverRound: 1,
      results: [fitResult("a", [f32([0])], examples: 1), fitResult("b", [f32([1])], examples: 1)],
      failures: [])
    expectValues(p1.parameters!.tensors[0], [0.5])
    let kept = s.accumulateFit(serverRound: 2, result: fitResult("a", [f32([0.25])], examples: 3))
    #expect(kept)
    let p2 = s.aggregateFit(serverRound: 2, results: [fitResult("a", [])], failures: [])
    expectValues(p2.parameters!.tensors[0], [-0.2])
    expectValues(s.momentumVector![0], [0.7])
  }

  @Test("QFedAvg paper mode uses each client's own loss; server mode one server loss")
  func qffl() async {
    let w = Parameters(tensors: [f32([1, 2])])
    let results = [
      fitResult("a", [f32([0.5, 2])], metrics: ["loss": 2]),
      fitResult("b", [f32([1, 1])], metrics: ["loss": 1]),
    ]
    var paper = QFedAvg(qParam: 1, qfflLearningRate: 0.5, lossSource: .clientMetrics)
    await paper.beginRound(serverRound: 1, parameters: w)
    let p = paper.aggregateFit(serverRound: 1, results: results, failures: [])
    expectValues(p.parameters!.tensors[0], [1 - 2.0 / 11, 2 - 2.0 / 11])  // worked in ServerOptimizerTests
    // Folded in as they arrive: the same.
    await paper.beginRound(serverRound: 2, parameters: w)
    for r in results {
      let kept = paper.accumulateFit(serverRound: 2, result: r)
      #expect(kept)
    }
    let folded = paper.aggregateFit(
      serverRound: 2, results: results.map { fitResult($0.client.cid, []) }, failures: [])
    expectValues(folded.parameters!.tensors[0], [1 - 2.0 / 11, 2 - 2.0 / 11])
    // A client without a loss is left out: only B → hB = 6, w − [0, 2]/6.
    await paper.beginRound(serverRound: 3, parameters: w)
    let partial = paper.aggregateFit(
      serverRound: 3, results: [fitResult("a", [f32([0.5, 2])]), results[1]], failures: [])
    expectValues(partial.parameters!.tensors[0], [1, 2 - 2.0 / 6])
    // Server mode, F = 1 for both: ΔA = [1, 0], hA = 1 + 2 = 3; ΔB = [0, 2], hB = 4 + 2 = 6.
    var f = QFedAvg.defaultFedAvg
    f.evaluateFn = { _, _, _ in (1, [:]) }
    var server = QFedAvg(fedAvg: f, qParam: 1, qfflLearningRate: 0.5)
    await server.beginRound(serverRound: 1, parameters: w)
    #expect(server.serverLoss == 1)
    expectValues(
      server.aggregateFit(serverRound: 1, results: results, failures: []).parameters!.tensors[0],
      [1 - 1.0 / 9, 2 - 2.0 / 9])
    // Server mode without evaluateFn keeps the old model (Flower raises).
    var none = QFedAvg()
    await none.beginRound(serverRound: 1, parameters: w)
    #expect(none.aggregateFit(serverRound: 1, results: results, failures: []).parameters == nil)
  }

  @Test("FedProx sends proximal_mu in every fit config, on top of onFitConfig")
  func fedProxConfig() async {
    let m = SimpleClientManager(seed: 1)
    for i in 0..<3 { await m.register(StrategyReplay.proxy("c\(i)")) }
    var s = FedProx(fedAvg: FedAvg(onFitConfig: { ["epochs": .int(Int64($0))] }), proximalMu: 0.25)
    let ins = await s.configureFit(serverRound: 4, parameters: .empty, clientManager: m)
    #expect(ins.count == 3)
    for (_, i) in ins { #expect(i.config == ["proximal_mu": .double(0.25), "epochs": .int(4)]) }
  }

  @Test("Bulyan with too few results keeps the old model instead of stopping the run")
  func bulyanTooFew() {
    var s = Bulyan(numMaliciousClients: 1)
    let six = (0..<6).map { fitResult("c\($0)", [f32([Float($0)])]) }
    #expect(s.aggregateFit(serverRound: 1, results: six, failures: []).parameters == nil)
    let seven = six + [fitResult("c6", [f32([100])])]
    expectValues(s.aggregateFit(serverRound: 1, results: seven, failures: []).parameters!.tensors[0], [2])
  }

  @Test("DP wrapper: seeded noise of z·C/n, reproducible; failures decline the round")
  func dpNoise() throws {
    func run(seed: UInt64) throws -> [NDArray] {
      var s = try DifferentialPrivacyServerSideFixedClipping(
        FedAvg(), noiseMultiplier: 1, clippingNorm: 2, numSampledClients: 4, seed: seed)
      #expect(abs(s.noiseStdDev - 0.5) < 1e-12)
      s.currentRoundParameters = [f32([0, 0])]
      let r = fitResult("a", [f32([3, 4])])
      let kept = s.accumulateFit(serverRound: 1, result: r)
      #expect(kept)
      return s.aggregateFit(serverRound: 1, results: [fitResult("a", [])], failures: []).parameters!.tensors
    }
    #expect(try run(seed: 3) == run(seed: 3))
    #expect(try run(seed: 3) != run(seed: 4))
    var s = try DifferentialPrivacyServerSideFixedClipping(
      FedAvg(), noiseMultiplier: 0, clippingNorm: 2, numSampledClients: 1)
    s.currentRoundParameters = [f32([0, 0])]
    expectValues(
      s.aggregateFit(serverRound: 1, results: [fitResult("a", [f32([3, 4])])], failures: []).parameters!
        .tensors[0], [1.2, 1.6])
    #expect(
      s.aggregateFit(serverRound: 1, results: [fitResult("a", [f32([3, 4])])], failures: [failure("b")])
        .parameters == nil)
    #expect(throws: PollenError.self) {
      try DifferentialPrivacyServerSideFixedClipping(
        FedAvg(), noiseMultiplier: -1, clippingNorm: 1, numSampledClients: 1)
    }
    #expect(throws: PollenError.self) {
      try DifferentialPrivacyServerSideFixedClipping(
        FedAvg(), noiseMultiplier: 0, clippingNorm: 0, numSampledClients: 1)
    }
    #expect(throws: PollenError.self) {
      try DifferentialPrivacyServerSideFixedClipping(
        FedAvg(), noiseMultiplier: 0, clippingNorm: 1, numSampledClients: 0)
    }
  }
}

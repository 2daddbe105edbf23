import PollenCore
import PollenServer
import PollenTesting
import Testing

@Suite("FedFS")
struct FedFSTests {
  @Test("weights by the examples actually processed, c_k, not by numExamples")
  func weighting() {
    var s = FedFS(fastTimeout: 1, slowTimeout: 2)
    let results = [
      fitResult(
        "a", [f32([0])], examples: 100,
        metrics: ["examples_processed": .int(30), "examples_possible": .int(100)]),
      fitResult(
        "b", [f32([4])], examples: 100,
        metrics: ["examples_processed": .int(10), "examples_possible": .int(100)]),
    ]
    // FedAvg by numExamples would give 2; by c_k it is (0·30 + 4·10) / 40 = 1.
    expectValues(s.aggregateFit(serverRound: 1, results: results, failures: []).parameters!.tensors[0], [1])
    #expect(abs(s.contribution(of: "a") - 0.3) < 1e-12)
    #expect(abs(s.contribution(of: "b") - 0.1) < 1e-12)
    #expect(s.contribution(of: "never") == 0)
    #expect(abs(s.selectionWeight(of: "a") - 0.8) < 1e-12)
    // Folded in as results arrive, the weighting is the same.
    let folded0 = s.accumulateFit(serverRound: 2, result: results[0])
    let folded1 = s.accumulateFit(serverRound: 2, result: results[1])
    #expect(folded0 && folded1)
    let stripped = results.map { r -> FitResult in
      var res = r.res
      res.parameters = .empty
      return (r.client, res)
    }
    expectValues(s.aggregateFit(serverRound: 2, results: stripped, failures: []).parameters!.tensors[0], [1])
    #expect(abs(s.contribution(of: "a") - 0.3) < 1e-12)
  }

  @Test("alternates r_f fast rounds with Δ_f and r_s slow rounds with Δ_s, sent as config timeout")
  func alternatingTimeouts() async {
    var s = FedFS(
      fedAvg: FedAvg(minFitClients: 1, minAvailableClients: 1), fastTimeout: 1, slowTimeout: 5, fastRounds: 2,
      slowRounds: 1)
    #expect((1...6).map { s.timeout(serverRound: $0) } == [1, 1, 5, 1, 1, 5])
    let manager = SimpleClientManager(seed: 1)
    await manager.register(StrategyReplay.proxy("a"))
    let ins = await s.configureFit(serverRound: 3, parameters: .empty, clientManager: manager)
    #expect(ins.first?.ins.config[FedFS.timeoutKey] == .double(5))
  }

  @Test("samples low-contribution clients more often (∝ 1 − w_k + ε)")
  func importanceSampling() async {
    var s = FedFS(
      fedAvg: FedAvg(fractionFit: 0.2, minFitClients: 1, minAvailableClients: 1), epsilon: 0.05,
      fastTimeout: 1,
      slowTimeout: 1, seed: 4)
    let manager = SimpleClientManager(seed: 2)
    let cids = (0..<20).map { "c\($0)" }
    for cid in cids { await manager.register(StrategyReplay.proxy(cid)) }
    // Clients 0–9 did all their work, 10–19 a tenth of it.
    let history = cids.enumerated().map { i, cid in
      fitResult(
        cid, [f32([0])], examples: 100,
        metrics: ["examples_processed": .int(i < 10 ? 100 : 10), "examples_possible": .int(100)])
    }
    _ = s.aggregateFit(serverRound: 1, results: history, failures: [])
    var fast = 0
    var slow = 0
    for round in 2...201 {
      for (client, _) in await s.configureFit(serverRound: round, parameters: .empty, clientManager: manager)
      {
        if Int(client.cid.dropFirst())! < 10 { fast += 1 } else { slow += 1 }
      }
      _ = s.aggregateFit(serverRound: round, results: [], failures: [])
    }
    #expect(fast + slow == 800)
    // Weights 0.05 vs 0.95: slow clients should dominate.
    #expect(slow > 4 * fast, "fast \(fast), slow \(slow)")
  }
}

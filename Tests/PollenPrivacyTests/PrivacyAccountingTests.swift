import PollenCore
import PollenPrivacy
import PollenServer
import Testing

@Suite("Privacy accounting around a DP wrapper")
struct PrivacyAccountingTests {
  func wrapped(maxEpsilon: Double? = nil) throws -> PrivacyAccounting {
    let dp = try DifferentialPrivacyServerSideFixedClipping(
      plainFedAvg, noiseMultiplier: 1.1, clippingNorm: 1, numSampledClients: 2, seed: 1)
    return try PrivacyAccounting(
      dp, noiseMultiplier: 1.1, samplingRate: 0.1, sampling: .poisson, delta: 1e-5, maxEpsilon: maxEpsilon)
  }

  func round(_ s: inout PrivacyAccounting, _ r: Int) -> Metrics {
    if var dp = s.strategy as? DifferentialPrivacyServerSideFixedClipping {
      dp.currentRoundParameters = [vector([0])]
      s.strategy = dp
    }
    return s.aggregateFit(serverRound: r, results: [result("a", [1]), result("b", [2])], failures: []).metrics
  }

  @Test(
    "ε after every aggregated round is the accountant's for that many rounds; a failed round costs nothing")
  func epsilonEveryRound() throws {
    var s = try wrapped()
    var previous = 0.0
    for r in 1...5 {
      let metrics = round(&s, r)
      guard case .double(let epsilon)? = metrics["privacy.epsilon"] else {
        Issue.record("no privacy.epsilon in \(metrics)")
        return
      }
      var direct = RDPAccountant()
      try direct.compose(noiseMultiplier: 1.1, samplingRate: 0.1, sampling: .poisson, steps: r)
      #expect(abs(epsilon - (try direct.epsilon(delta: 1e-5))) < 1e-12)
      #expect(epsilon > previous)
      #expect(metrics["privacy.delta"] == .double(1e-5))
      previous = epsilon
    }
    let failed = s.aggregateFit(
      serverRound: 6, results: [result("a", [1])],
      failures: [ClientFailure(cid: "b", error: PollenError(.timeout, "late"))])
    #expect(failed.metrics["privacy.epsilon"] == .double(previous))
    #expect(s.roundsAccounted == 5)
  }

  @Test("--max-epsilon: the run stops before the round that would exceed it")
  func budget() throws {
    var s = try wrapped(maxEpsilon: 2)
    var r = 1
    while s.stopReason(beforeRound: r) == nil, r < 1000 {
      _ = round(&s, r)
      r += 1
    }
    #expect(r > 1 && r < 1000)
    #expect(try s.epsilon() <= 2)
    #expect(try s.epsilon(afterMoreRounds: 1) > 2)
    #expect(s.stopReason(beforeRound: r)?.contains("privacy budget") == true)
  }

  @Test("the saved state re-composes the same rounds")
  func resume() throws {
    var s = try wrapped()
    for r in 1...3 { _ = round(&s, r) }
    var restored = try wrapped()
    try restored.restoreState(s.exportState())
    #expect(restored.roundsAccounted == 3)
    #expect(try restored.epsilon() == s.epsilon())
  }
}

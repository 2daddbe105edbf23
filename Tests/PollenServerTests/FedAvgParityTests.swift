import Foundation
import PollenCore
import PollenServer
import PollenTesting
import Testing

@Suite("FedAvg matches Flower 1.41")
struct FedAvgParityTests {
  /// Replays each round of a fixture through `aggregateFit`, optionally feeding results
  /// incrementally as the server does.
  func replay(_ name: String, incremental: Bool, inplace: Bool = true) throws {
    let fixture = try ParityFixtures.load(name)
    var strategy = FedAvg(
      initialParameters: Parameters(tensors: ParityFixtures.arrays(fixture["initial_parameters"]!)))
    strategy.inplace = inplace
    for case let round as [String: Any] in fixture["rounds"] as! [Any] {
      let r = round["round"] as! Int
      var results: [FitResult] = []
      for case let res as [String: Any] in round["results"] as! [Any] {
        var fit = FitRes(
          parameters: Parameters(tensors: ParityFixtures.arrays(res["parameters"]!)),
          numExamples: res["num_examples"] as! Int)
        let proxy = InProcessClientProxy(cid: res["cid"] as! String, client: ScriptedClient(fit: .fail))
        if incremental, strategy.accumulateFit(serverRound: r, result: (proxy, fit)) {
          fit.parameters = .empty
        }
        results.append((proxy, fit))
      }
      let failures = (0..<(round["failures"] as! Int)).map {
        ClientFailure(cid: "f\($0)", error: PollenError(.clientFailed, "client failed"))
      }
      let (params, _) = strategy.aggregateFit(serverRound: r, results: results, failures: failures)
      if round["expected"] is NSNull {
        #expect(params == nil)
      } else {
        let got = try #require(params)
        ParityFixtures.expectClose(got.tensors, ParityFixtures.arrays(round["expected"]!))
      }
    }
  }

  @Test("fedavg.json, all results at once") func fedavgBatch() throws {
    try replay("fedavg", incremental: false)
  }
  @Test("fedavg.json, results folded in as they arrive") func fedavgIncremental() throws {
    try replay("fedavg", incremental: true)
  }
  @Test("fedavg-inplace-off.json") func fedavgInplaceOff() throws {
    try replay("fedavg-inplace-off", incremental: true, inplace: false)
  }

  @Test("fedavg-evaluate.json: weighted loss average")
  func evaluate() throws {
    let fixture = try ParityFixtures.load("fedavg-evaluate")
    var strategy = FedAvg()
    let results: [EvaluateResult] = (fixture["results"] as! [[String: Any]]).map { r in
      (
        InProcessClientProxy(cid: r["cid"] as! String, client: ScriptedClient(fit: .fail)),
        EvaluateRes(loss: (r["loss"] as! NSNumber).doubleValue, numExamples: r["num_examples"] as! Int)
      )
    }
    let (loss, _) = strategy.aggregateEvaluate(serverRound: 1, results: results, failures: [])
    let expected = (fixture["expected_loss"] as! NSNumber).doubleValue
    #expect(abs(try #require(loss) - expected) <= 1e-12 * max(1, abs(expected)))
  }

  @Test("sampling.json: sample sizes and minimum available clients")
  func sampling() throws {
    let fixture = try ParityFixtures.load("sampling")
    let rows = fixture["rows"] as! [[String: Any]]
    #expect(rows.count > 100)
    for row in rows {
      let frac = (row["fraction"] as! NSNumber).doubleValue
      let minc = row["min_clients"] as! Int
      let avail = row["available"] as! Int
      let s = FedAvg(fractionFit: frac, fractionEvaluate: frac, minFitClients: minc, minEvaluateClients: minc)
      let fit = s.numFitClients(available: avail)
      #expect(
        fit.sampleSize == row["num_fit_clients"] as! Int, "available \(avail) fraction \(frac) min \(minc)")
      #expect(fit.minAvailable == row["min_available"] as! Int)
      #expect(s.numEvaluationClients(available: avail).sampleSize == row["num_evaluate_clients"] as! Int)
    }
  }

  @Test("declines to aggregate with failures when acceptFailures is false")
  func rejectsFailures() {
    var s = FedAvg(acceptFailures: false)
    let proxy = InProcessClientProxy(cid: "a", client: ScriptedClient(fit: .fail))
    let fit = FitRes(parameters: Parameters(tensors: [NDArray([Float(1)])]), numExamples: 1)
    let (p, _) = s.aggregateFit(
      serverRound: 1, results: [(proxy, fit)],
      failures: [ClientFailure(cid: "b", error: PollenError(.timeout, "t"))])
    #expect(p == nil)
  }
}

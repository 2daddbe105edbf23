import Foundation
import PollenCore
import PollenPrivacy
import PollenServer
import PollenTesting
import Testing

/// Replays strategy fixtures of `shared/parity/generate.py` the way it drives Flower's strategies.
enum StrategyReplay {
  static func proxy(_ cid: String) -> InProcessClientProxy {
    InProcessClientProxy(cid: cid, client: ScriptedClient(fit: .fail))
  }

  static func double(_ json: Any?) -> Double { (json as! NSNumber).doubleValue }

  static func metrics(_ json: Any?) -> Metrics {
    var m: Metrics = [:]
    for (k, v) in (json as? [String: Any]) ?? [:] { m[k] = .double((v as! NSNumber).doubleValue) }
    return m
  }

  /// What generate.py does before each round: QFedAvg's `pre_weights` (and, here, its server
  /// loss) and the DP wrapper's `current_round_params` are the round's global model.
  static func prepare(_ strategy: inout any Strategy, round: Int, current: [NDArray]) async {
    if var q = strategy as? QFedAvg {
      await q.beginRound(serverRound: round, parameters: Parameters(tensors: current))
      strategy = q
    } else if var dp = strategy as? any Strategy & UpdateReferencing {
      dp.currentRoundParameters = current
      strategy = dp
    }
  }

  /// Replays every round of `fixture` through `strategy` (carried across rounds), feeding results
  /// through `accumulateFit` first when `incremental`, as the server does. Returns the rounds
  /// replayed.
  @discardableResult
  static func replay(
    _ fixture: [String: Any], _ strategy: inout any Strategy, incremental: Bool,
    sourceLocation: SourceLocation = #_sourceLocation
  ) async throws -> Int {
    // generate.py calls initialize_parameters(None) on the stateful strategies (FedAvgM, FedOpt,
    // QFedAvg, the DP wrapper); for the others it only hands over the initial parameters, which
    // aggregation never reads, so calling it on every strategy replays the same thing.
    _ = await strategy.initializeParameters(clientManager: SimpleClientManager())
    let rounds = fixture["rounds"] as! [[String: Any]]
    for round in rounds {
      let r = round["round"] as! Int
      await prepare(&strategy, round: r, current: ParityFixtures.arrays(round["current_parameters"]!))
      var results: [FitResult] = []
      for res in round["results"] as! [[String: Any]] {
        var fit = FitRes(
          parameters: Parameters(tensors: ParityFixtures.arrays(res["parameters"]!)),
          numExamples: res["num_examples"] as! Int, metrics: metrics(res["metrics"]))
        let client = proxy(res["cid"] as! String)
        if incremental, strategy.accumulateFit(serverRound: r, result: (client, fit)) {
          fit.parameters = .empty
        }
        results.append((client, fit))
      }
      let failures = (0..<(round["failures"] as! Int)).map {
        ClientFailure(cid: "failed\($0)", error: PollenError(.clientFailed, "client failed"))
      }
      let (params, _) = strategy.aggregateFit(serverRound: r, results: results, failures: failures)
      if round["expected"] is NSNull {
        #expect(params == nil, "round \(r): Flower declined to aggregate", sourceLocation: sourceLocation)
      } else {
        let got = try #require(params, "round \(r): Flower aggregated", sourceLocation: sourceLocation)
        ParityFixtures.expectClose(
          got.tensors, ParityFixtures.arrays(round["expected"]!), sourceLocation: sourceLocation)
      }
    }
    return rounds.count
  }
}

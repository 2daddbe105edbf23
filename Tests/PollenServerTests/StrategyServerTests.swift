import PollenCore
import PollenServer
import PollenTesting
import Testing

@Suite("Strategies in the server loop")
struct StrategyServerTests {
  static let model = [NDArray([Float](repeating: 0, count: 4), shape: [2, 2])]

  func manager(_ deltas: [Float]) async -> SimpleClientManager {
    let m = SimpleClientManager(seed: 3)
    for (i, d) in deltas.enumerated() {
      await m.register(
        InProcessClientProxy(cid: "c\(i)", client: ScriptedClient(fit: .addDelta(d, numExamples: 10))))
    }
    return m
  }

  func run(_ strategy: any Strategy, deltas: [Float], rounds: Int = 2) async -> [Double] {
    var server = Server(
      clientManager: await manager(deltas), strategy: strategy, config: ServerConfig(numRounds: rounds))
    _ = await server.fit()
    return server.parameters.tensors[0].doubles()
  }

  @Test("robust strategies get every result and ignore the outlier")
  func robust() async throws {
    let deltas: [Float] = [1, 1, 1, 1, 1, 1, 50]
    let initial = FedAvg(fractionEvaluate: 0, initialParameters: Parameters(tensors: Self.model))
    #expect(await run(FedMedian(fedAvg: initial), deltas: deltas) == [2, 2, 2, 2])
    #expect(await run(Krum(fedAvg: initial, numMaliciousClients: 1), deltas: deltas) == [2, 2, 2, 2])
    #expect(await run(Bulyan(fedAvg: initial, numMaliciousClients: 1), deltas: deltas) == [2, 2, 2, 2])
    #expect(await run(try FedTrimmedAvg(fedAvg: initial, beta: 0.2), deltas: deltas) == [2, 2, 2, 2])
  }

  @Test("FedAdam, FedAvgM and QFedAvg run without initial parameters (taken from a client)")
  func seededFromClient() async {
    var base = FedAvg(fractionEvaluate: 0)
    base.evaluateFn = { _, _, _ in (1, [:]) }
    let m = SimpleClientManager(seed: 3)
    for i in 0..<2 {
      await m.register(
        InProcessClientProxy(
          cid: "c\(i)",
          client: ScriptedClient(fit: .addDelta(1, numExamples: 5), initialParameters: Self.model)))
    }
    for strategy in [
      FedAdam(fedAvg: base), FedAvgM(fedAvg: base, serverMomentum: 0.9), QFedAvg(fedAvg: base),
    ] as [any Strategy] {
      var server = Server(clientManager: m, strategy: strategy, config: ServerConfig(numRounds: 2))
      _ = await server.fit()
      let values = server.parameters.tensors.first?.doubles() ?? []
      #expect(
        values.count == 4 && values.allSatisfy { $0 > 0 }, "\(type(of: strategy)) moved towards the clients")
    }
  }
}

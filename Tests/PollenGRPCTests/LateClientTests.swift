import PollenClient
import PollenCore
import PollenServer
import PollenTesting
import Synchronization
import Testing

@testable import PollenGRPC

/// A client whose first `fit` takes `firstFit` and whose later fits are immediate; every fit
/// adds 1 to the parameters it receives.
final class SlowFirstFit: Client {
  let firstFit: Duration
  private let fits = Mutex(0)

  init(firstFit: Duration) { self.firstFit = firstFit }

  func fit(_ ins: FitIns) async throws -> FitRes {
    let call = fits.withLock { count in
      count += 1
      return count
    }
    if call == 1 { try await Task.sleep(for: firstFit) }
    let updated = ins.parameters.tensors.map { t in
      NDArray(t.scalars(as: Float.self).map { $0 + 1 }, shape: t.shape)
    }
    return FitRes(parameters: Parameters(tensors: updated), numExamples: 1)
  }

  func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes {
    EvaluateRes(loss: 1, numExamples: 1)
  }
}

/// Clients that miss a timeout keep their stream: their late reply is discarded, they are not
/// sampled while it is due, and only a client silent for the whole grace period is dropped.
@Suite(.serialized) struct LateClientTests {
  let model = Parameters(tensors: [NDArray([Float(1), 2, 3])])

  @Test func aLateClientIsNotSampledUntilItsStaleReplyArrivesThenServesAgain() async throws {
    let model = model
    try await withLoopbackServer { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          try await FlowerGRPCClient.run(
            server: "127.0.0.1:\(port)", client: SlowFirstFit(firstFit: .seconds(4)), config: .test)
        }
        let proxy = try await onlyClient(manager)
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: PollenError.self) {
          _ = try await proxy.fit(FitIns(parameters: model), timeout: .milliseconds(300))
        }
        #expect(error?.code == .timeout)
        #expect(!proxy.isAvailable)
        #expect(await manager.numAvailable() == 0, "a client that owes a reply is not available")
        #expect(await manager.all().count == 1, "but it keeps its stream and its registration")
        let sampled = await manager.sample(numClients: 1, minNumClients: 0, criterion: nil)
        #expect(sampled.isEmpty)

        // waitFor is resumed when the stale reply arrives and the client is available again.
        #expect(await manager.waitFor(numClients: 1, timeout: .seconds(20)))
        #expect(clock.now - start >= .milliseconds(1000))
        #expect(proxy.isAvailable)

        // The next call gets its own reply, not the stale one (which answered `model`).
        let next = Parameters(tensors: [NDArray([Float(10), 20, 30])])
        let res = try await proxy.fit(FitIns(parameters: next), timeout: replyLimit)
        #expect(res.parameters.tensors == [NDArray([Float(11), 21, 31])])
        _ = try await proxy.reconnect(ReconnectIns(seconds: nil), timeout: replyLimit)
        try await group.waitForAll()  // the client ends cleanly after ReconnectIns
      }
    }
  }

  @Test func aTimedOutClientIsAFailureInItsRoundAndAResultInLaterRounds() async throws {
    let model = model
    try await withLoopbackServer { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        let clients: [any Client] = [
          // The round waits 6 s; the slow client's first fit takes 12 s. (With 2 s and 4 s, the
          // fast client's reply missed the round on a starved 2-core CI run.)
          ScriptedClient(fit: .addDelta(1, numExamples: 1)), SlowFirstFit(firstFit: .seconds(12)),
        ]
        for client in clients {
          group.addTask {
            try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: .test)
          }
        }
        let strategy = FedAvg(fractionEvaluate: 0, initialParameters: model)
        var server = Server(
          clientManager: manager, strategy: strategy,
          config: ServerConfig(numRounds: 3, roundTimeout: .seconds(6)))
        let history = await server.fit()
        #expect(history.failures.count == 1, "\(history.failures)")
        #expect(history.failures.first?.round == 1)
        #expect(history.failures.first?.reason.contains("timeout") == true)
        // Round 1 aggregated the fast client alone (+1), rounds 2 and 3 both clients (+1 each).
        #expect(server.parameters.tensors == [NDArray([Float(4), 5, 6])])
        #expect(await manager.all().count == 2)
        await server.disconnectAllClients(timeout: replyLimit)
        try await group.waitForAll()
      }
    }
  }

  @Test func aClientSilentForTheGracePeriodIsDropped() async throws {
    let model = model
    var config = FlowerGRPCServer.Config.loopback
    config.clientGracePeriod = .milliseconds(1000)
    try await withLoopbackServer(config: config) { manager, port in
      let client = Task {
        let silent = ScriptedClient(fit: .sleep(.seconds(3600), then: .addDelta(1, numExamples: 1)))
        try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: silent, config: .test)
      }
      defer { client.cancel() }
      let proxy = try await onlyClient(manager)
      let clock = ContinuousClock()
      let start = clock.now
      let error = await #expect(throws: PollenError.self) {
        _ = try await proxy.fit(FitIns(parameters: model), timeout: .milliseconds(200))
      }
      #expect(error?.code == .timeout)
      #expect(await manager.all()[proxy.cid] != nil)
      #expect(await eventually(within: .seconds(20)) { await manager.all()[proxy.cid] == nil })
      #expect(clock.now - start >= .milliseconds(1000), "dropped only after the grace period")
      let late = await #expect(throws: PollenError.self) {
        _ = try await proxy.fit(FitIns(parameters: model), timeout: .seconds(5))
      }
      #expect(late?.code == .disconnected)
    }
  }
}

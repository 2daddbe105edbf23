import Foundation
import PollenClient
import PollenCore
import PollenServer
import PollenTesting
import Testing

@testable import PollenGRPC

/// A Pollen server and Pollen clients talking over 127.0.0.1.
@Suite(.serialized) struct LoopbackTests {
  let model = Parameters(tensors: [NDArray([Float(1), 2, 3]), NDArray([Float(0.5)], shape: [])])

  @Test func fitEvaluateAndReconnect() async throws {
    let model = model
    try await withLoopbackServer { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          let client = ScriptedClient(fit: .addDelta(1, numExamples: 5), loss: 0.25, evaluateExamples: 7)
          try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: .test)
        }
        let proxy = try await onlyClient(manager)
        #expect(proxy.cid.count == 32 && proxy.cid.allSatisfy(\.isHexDigit))
        let fit = try await proxy.fit(FitIns(parameters: model, config: ["lr": 0.1]), timeout: replyLimit)
        #expect(fit.status == .ok && fit.numExamples == 5)
        #expect(fit.parameters.tensors == [NDArray([Float(2), 3, 4]), NDArray([Float(1.5)], shape: [])])
        let evaluate = try await proxy.evaluate(EvaluateIns(parameters: model), timeout: replyLimit)
        #expect(evaluate.loss == 0.25 && evaluate.numExamples == 7)
        let properties = try await proxy.getProperties(GetPropertiesIns(), timeout: replyLimit)
        #expect(properties.status.code == .getPropertiesNotImplemented)
        _ = try await proxy.reconnect(ReconnectIns(seconds: nil), timeout: replyLimit)
        try await group.waitForAll()  // the client returns after ReconnectIns
        #expect(await eventually { await manager.numAvailable() == 0 })
      }
    }
  }

  @Test func concurrentCallsToOneClientAreSerialised() async throws {
    let model = model
    try await withLoopbackServer { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          let client = ScriptedClient(fit: .sleep(.milliseconds(50), then: .addDelta(1, numExamples: 1)))
          try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: .test)
        }
        let proxy = try await onlyClient(manager)
        let results = try await withThrowingTaskGroup(of: FitRes.self) { calls in
          for _ in 0..<4 {
            calls.addTask { try await proxy.fit(FitIns(parameters: model), timeout: replyLimit) }
          }
          return try await calls.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 4)
        #expect(results.allSatisfy { $0.parameters.tensors.first == NDArray([Float(2), 3, 4]) })
        group.cancelAll()
      }
    }
  }

  @Test func serverRoundsWithTwoClients() async throws {
    let model = model
    try await withLoopbackServer { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        let a = ScriptedClient(
          fit: .reply(
            parameters: [NDArray([Float(1), 1, 1]), NDArray([Float(0)], shape: [])], numExamples: 1), loss: 1)
        let b = ScriptedClient(
          fit: .reply(
            parameters: [NDArray([Float(4), 4, 4]), NDArray([Float(3)], shape: [])], numExamples: 2), loss: 4)
        for client in [a, b] {
          group.addTask {
            try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: .test)
          }
        }
        var server = Server(
          clientManager: manager, strategy: FedAvg(initialParameters: model),
          config: ServerConfig(numRounds: 2))
        let history = await server.fit()
        #expect(server.parameters.tensors == [NDArray([Float(3), 3, 3]), NDArray([Float(2)], shape: [])])
        #expect(history.lossesDistributed.map(\.loss) == [2.5, 2.5])
        #expect(history.failures.isEmpty)
        await server.disconnectAllClients(timeout: .seconds(5))
        try await group.waitForAll()
      }
    }
  }

  @Test func roundTimeoutIsAFailureButKeepsTheSlowClient() async throws {
    let model = model
    try await withLoopbackServer { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        let fast = ScriptedClient(fit: .addDelta(1, numExamples: 1))
        let slow = ScriptedClient(fit: .sleep(.seconds(3600), then: .addDelta(1, numExamples: 1)))
        for client in [fast, slow] {
          group.addTask {
            try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: .test)
          }
        }
        var strategy = FedAvg(fractionEvaluate: 0, initialParameters: model)
        strategy.minFitClients = 2
        var server = Server(
          clientManager: manager, strategy: strategy,
          config: ServerConfig(numRounds: 1, roundTimeout: .seconds(5)))
        let clock = ContinuousClock()
        let start = clock.now
        let history = await server.fit()
        #expect(clock.now - start < .seconds(300))  // not the slow client's hour
        #expect(history.failures.count == 1)
        #expect(history.failures.first?.reason.contains("timeout") == true)
        #expect(server.parameters.tensors.first == NDArray([Float(2), 3, 4]))
        // The slow client is still connected, but owes its reply: it is not available.
        #expect(await manager.numAvailable() == 1)
        #expect(await manager.all().count == 2)
        group.cancelAll()
      }
    }
  }

  @Test func clientThatDisconnectsMidCallIsAPromptFailure() async throws {
    let model = model
    try await withLoopbackServer { manager, port in
      let clientTask = Task {
        let client = ScriptedClient(fit: .sleep(.seconds(3600), then: .addDelta(1, numExamples: 1)))
        try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: .test)
      }
      defer { clientTask.cancel() }
      let proxy = try await onlyClient(manager)
      let clock = ContinuousClock()
      let start = clock.now
      let call = Task { try await proxy.fit(FitIns(parameters: model), timeout: nil) }
      try await Task.sleep(for: .milliseconds(300))
      clientTask.cancel()  // the client process goes away while the server waits for fit_res
      let error = await #expect(throws: PollenError.self) { _ = try await call.value }
      #expect(error?.code == .disconnected)
      #expect(clock.now - start < .seconds(300))  // not the client's hour
      #expect(await eventually { await manager.numAvailable() == 0 })
    }
  }
}

import Foundation
import GRPCCore
import PollenClient
import PollenCore
import PollenFlowerProto
import PollenServer
import PollenTesting
import Testing

@testable import PollenGRPC

/// Peers that break the rules make one call fail (or lose their stream), never the server.
@Suite(.serialized) struct MisbehavingPeerTests {
  let model = Parameters(tensors: [NDArray([Float(1), 2, 3])])

  /// Runs `peer` against a server, sends it `fit_ins` and returns the call's error and the
  /// stream's final status; then checks that a well-behaved client still gets served.
  func fitAgainst(
    _ answer: @escaping @Sendable (Flwr_Proto_ServerMessage) -> [UInt8]?, expectUnregistered: Bool
  ) async throws -> (PollenError?, GRPCCore.Status) {
    let model = model
    return try await withLoopbackServer { manager, port in
      try await withThrowingTaskGroup(of: GRPCCore.Status?.self) { group in
        group.addTask { try await rawJoin(port: port, answer: answer) }
        let proxy = try await onlyClient(manager)
        var failure: PollenError?
        do {
          _ = try await proxy.fit(FitIns(parameters: model), timeout: replyLimit)
        } catch let error as PollenError {
          failure = error
        }
        if expectUnregistered {
          #expect(await eventually { await manager.numAvailable() == 0 })
        } else {
          // The stream survives a bad reply: the next call is answered.
          #expect(await manager.numAvailable() == 1)
          _ = try? await proxy.reconnect(ReconnectIns(), timeout: .seconds(5))
        }
        let status = try await group.next()!!
        // The server still serves a well-behaved client.
        group.addTask {
          try await FlowerGRPCClient.run(
            server: "127.0.0.1:\(port)", client: ScriptedClient(fit: .addDelta(1, numExamples: 1)),
            config: .test)
          return nil
        }
        let good = try await onlyClient(manager)
        let res = try await good.fit(FitIns(parameters: model), timeout: replyLimit)
        #expect(res.parameters.tensors == [NDArray([Float(2), 3, 4])])
        _ = try await good.reconnect(ReconnectIns(), timeout: .seconds(5))
        _ = try await group.next()
        return (failure, status)
      }
    }
  }

  @Test func garbageBytesEndTheStreamNotTheServer() async throws {
    let (error, status) = try await fitAgainst(
      { _ in Array("definitely not protobuf".utf8) + [0xFF, 0xFF, 0xFF] }, expectUnregistered: true)
    #expect(error?.code == .disconnected)
    #expect(status.code != .ok)
  }

  @Test func aReplyOfTheWrongKindDropsTheClient() async throws {
    let (error, status) = try await fitAgainst(
      { _ in bytes(.evaluate(EvaluateRes(loss: 1, numExamples: 1))) }, expectUnregistered: true)
    #expect(error?.code == .invalidMessage)
    #expect(error?.message.contains("expected fit_res") == true)
    #expect(status.code == .failedPrecondition)
  }

  @Test func aReplyLargerThanTheModelAllowsDropsTheClient() async throws {
    let (error, status) = try await fitAgainst(
      { _ in
        bytes(
          .fit(
            FitRes(
              parameters: Parameters(tensors: [NDArray([Float](repeating: 0, count: 4_500_000))]),
              numExamples: 1)))
      }, expectUnregistered: true)
    #expect(error?.code == .invalidMessage)
    let limit = GRPCClientProxy.replyLimit(for: OutboundServerMessage(.fit(FitIns(parameters: model))))
    #expect(limit > 16 << 20 && limit < 17 << 20)
    #expect(error?.message.contains("more than the \(limit) a reply to this instruction may be") == true)
    #expect(status.code == .failedPrecondition)
  }

  @Test func aPeerWhoseClientMisbehavedIsThrottledThenServedAgain() async throws {
    var config = FlowerGRPCServer.Config.loopback
    config.misbehaviorThrottle = .seconds(3)
    let model = model
    try await withLoopbackServer(config: config) { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        // Answers fit_ins with an empty evaluate_res.
        group.addTask { _ = try await rawJoin(port: port, answer: { _ in [0x2a, 0x00] }) }
        let proxy = try await onlyClient(manager)
        await #expect(throws: PollenError.self) {
          try await proxy.fit(FitIns(parameters: model), timeout: replyLimit)
        }
        try await group.next()
        let clock = ContinuousClock()
        let dropped = clock.now
        // Refused while throttled (RESOURCE_EXHAUSTED), whoever asks from 127.0.0.1 ...
        let refused = try await rawJoin(port: port, answer: { _ in nil })
        #expect(refused.code == .resourceExhausted)
        #expect(refused.message.contains("misbehaved"))
        // ... and served once the throttle is over.
        group.addTask {
          try await FlowerGRPCClient.run(
            server: "127.0.0.1:\(port)", client: ScriptedClient(fit: .addDelta(1, numExamples: 1)),
            config: .test)
        }
        let good = try await onlyClient(manager)
        #expect(clock.now - dropped >= .seconds(2))
        #expect(try await good.fit(FitIns(parameters: model), timeout: replyLimit).numExamples == 1)
        _ = try await good.reconnect(ReconnectIns(), timeout: .seconds(5))
        try await group.waitForAll()
      }
    }
  }

  @Test func aPeerMayHoldOnlyMaxStreamsPerPeer() async throws {
    var config = FlowerGRPCServer.Config.loopback
    config.maxStreamsPerPeer = 2
    try await withLoopbackServer(config: config) { manager, port in
      try await withThrowingTaskGroup(of: GRPCCore.Status.self) { group in
        for _ in 0..<2 { group.addTask { try await rawJoin(port: port, answer: { _ in nil }) } }
        #expect(await eventually { await manager.all().count == 2 })
        let third = try await rawJoin(port: port, answer: { _ in nil })
        #expect(third.code == .resourceExhausted)
        #expect(third.message.contains("2 streams"))
        #expect(await manager.all().count == 2)
        group.cancelAll()
      }
    }
  }

  @Test func anUndecodableTensorDropsTheClient() async throws {
    let (error, _) = try await fitAgainst(
      { message in
        var reply = Flwr_Proto_ClientMessage(
          .fit(FitRes(parameters: Parameters(tensors: [NDArray([Float(1)])]), numExamples: 1)))
        reply.fitRes.parameters.tensors.append(Data((0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
        return try! reply.serializedBytes()
      }, expectUnregistered: true)
    #expect(error?.code == .invalidTensor)
    #expect(error?.message.contains("rejected: tensor 1: ") == true)
  }

  @Test func anUnsolicitedMessageEndsTheStream() async throws {
    let model = model
    try await withLoopbackServer { manager, port in
      let hello = bytes(.fit(FitRes(parameters: .empty, numExamples: 1)))
      let status = try await rawJoin(port: port, answer: { _ in nil }, first: hello)
      #expect(status.code == .failedPrecondition)
      #expect(await eventually { await manager.numAvailable() == 0 })
      // The server still serves a well-behaved client.
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          let client = ScriptedClient(fit: .addDelta(1, numExamples: 1))
          try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: .test)
        }
        let good = try await onlyClient(manager)
        let res = try await good.fit(FitIns(parameters: model), timeout: replyLimit)
        #expect(res.parameters.tensors == [NDArray([Float(2), 3, 4])])
        _ = try await good.reconnect(ReconnectIns(), timeout: .seconds(5))
        try await group.waitForAll()
      }
    }
  }

  @Test func clientRetriesUntilALateServerStarts() async throws {
    // Find a free port, then start the client before any server listens on it.
    let port = try await withLoopbackServer { _, port in port }
    try await withTimeout(.seconds(60)) {
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          let config = FlowerGRPCClient.Config(
            backoff: Backoff(
              initialDelay: .milliseconds(100), maxDelay: .milliseconds(300), maxWaitTime: .seconds(30)))
          try await FlowerGRPCClient.run(
            server: "127.0.0.1:\(port)", client: ScriptedClient(fit: .addDelta(1, numExamples: 1)),
            config: config)
        }
        try await Task.sleep(for: .seconds(1))
        try await withLoopbackServer(port: port) { manager, _ in
          let proxy = try await onlyClient(manager)
          let res = try await proxy.fit(
            FitIns(parameters: Parameters(tensors: [NDArray([Float(0)])])), timeout: replyLimit)
          #expect(res.parameters.tensors == [NDArray([Float(1)])])
          _ = try await proxy.reconnect(ReconnectIns(), timeout: .seconds(5))
        }
        try await group.waitForAll()
      }
    }
  }

  @Test func clientGivesUpWhenTheBackoffSaysSo() async throws {
    let port = try await withLoopbackServer { _, port in port }
    let config = FlowerGRPCClient.Config(backoff: Backoff(initialDelay: .milliseconds(10), maxRetries: 2))
    let error = await #expect(throws: PollenError.self) {
      try await FlowerGRPCClient.run(
        server: "127.0.0.1:\(port)", client: ScriptedClient(fit: .fail), config: config)
    }
    #expect(error?.code == .disconnected)
  }
}

import Foundation
import GRPCCore
import PollenClient
import PollenCore
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
          _ = try await proxy.fit(FitIns(parameters: model), timeout: .seconds(10))
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
        let res = try await good.fit(FitIns(parameters: model), timeout: .seconds(10))
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

  @Test func aReplyOfTheWrongKindFailsThatCall() async throws {
    let (error, _) = try await fitAgainst(
      { message in
        if case .reconnectIns = message.msg { return bytes(.disconnect(DisconnectRes(reason: .reconnect))) }
        return bytes(.evaluate(EvaluateRes(loss: 1, numExamples: 1)))
      }, expectUnregistered: false)
    #expect(error?.code == .invalidMessage)
    #expect(error?.message.contains("expected fit_res") == true)
  }

  @Test func anUndecodableTensorFailsThatCall() async throws {
    let (error, _) = try await fitAgainst(
      { message in
        if case .reconnectIns = message.msg { return bytes(.disconnect(DisconnectRes(reason: .reconnect))) }
        var reply = Flwr_Proto_ClientMessage(
          .fit(FitRes(parameters: Parameters(tensors: [NDArray([Float(1)])]), numExamples: 1)))
        reply.fitRes.parameters.tensors.append(Data((0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
        return try! reply.serializedBytes()
      }, expectUnregistered: false)
    #expect(error?.code == .invalidTensor)
    #expect(error?.message.hasPrefix("tensor 1: ") == true)
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
        let res = try await good.fit(FitIns(parameters: model), timeout: .seconds(10))
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
            FitIns(parameters: Parameters(tensors: [NDArray([Float(0)])])), timeout: .seconds(10))
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

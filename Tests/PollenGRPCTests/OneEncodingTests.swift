import Foundation
import GRPCCore
import Logging
import PollenClient
import PollenCore
import PollenFlowerProto
import PollenServer
import Synchronization
import Testing

@testable import PollenGRPC

/// Collects what a stream handler writes.
private final class CollectingWriter: RPCWriterProtocol, Sendable {
  let written = Mutex<[Flwr_Proto_ServerMessage]>([])
  func write(_ element: ServerMessageWrite) async throws {
    guard case .message(let message) = element else {
      Issue.record("no gauge, so nothing is spliced"); return
    }
    written.withLock { $0.append(message) }
  }
  func write(contentsOf elements: some Sequence<ServerMessageWrite>) async throws {
    for element in elements { try await write(element) }
  }
}

/// Where each tensor's bytes live in `message`'s `FitIns`.
private func storage(of message: Flwr_Proto_ServerMessage) -> [UnsafeRawPointer?] {
  message.fitIns.parameters.tensors.map { tensor in
    tensor.withUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
  }
}

@Suite("One encoding of the global parameters per round")
struct OneEncodingTests {
  static let clients = 6

  @Test("every client's FitIns of a round shares one encoded buffer; the next round has a new one")
  func fitInsShareOneEncoding() async throws {
    let manager = SimpleClientManager(seed: 3)
    var sessions: [(proxy: GRPCClientProxy, outbox: Outbox, writer: CollectingWriter)] = []
    for i in 0..<Self.clients {
      let outbox = Outbox()
      let proxy = GRPCClientProxy(
        cid: "c\(i)", peer: "test", outbox: outbox, clientManager: manager, gracePeriod: .seconds(60),
        logger: Logger(label: "test"))
      #expect(await manager.register(proxy))
      sessions.append((proxy, outbox, CollectingWriter()))
    }
    var strategy = FedAvg(minFitClients: Self.clients, minAvailableClients: Self.clients)
    let round1 = Parameters(tensors: [NDArray([Float](repeating: 0.5, count: 4096)), NDArray([Int64(1), 2])])
    let round2 = Parameters(tensors: [NDArray([Float](repeating: 1.5, count: 4096)), NDArray([Int64(3), 4])])
    var perRound: [[[UnsafeRawPointer?]]] = []
    var kept: [Flwr_Proto_ServerMessage] = []  // keeps round 1's buffers alive while round 2 runs

    try await withThrowingTaskGroup(of: Void.self) { drains in
      for session in sessions {
        drains.addTask { try await session.outbox.drain(into: RPCWriter(wrapping: session.writer)) }
      }
      for (round, parameters) in [(1, round1), (2, round2)] {
        let instructions = await strategy.configureFit(
          serverRound: round, parameters: parameters, clientManager: manager)
        #expect(instructions.count == Self.clients)
        #expect(!parameters.encodings.contains(Flwr_Proto_Parameters.self))
        try await withThrowingTaskGroup(of: FitRes.self) { calls in
          for (client, ins) in instructions {
            calls.addTask { try await client.fit(ins, timeout: .seconds(30)) }
          }
          // Each client's instruction reaches its stream; the client replies.
          for session in sessions {
            #expect(await eventually { session.writer.written.withLock { $0.count } == round })
            var reply = Flwr_Proto_ClientMessage()
            reply.fitRes.status = Flwr_Proto_Status(.ok)
            reply.fitRes.numExamples = 1
            await session.proxy.received(try ClientMessageBytes(reply))
          }
          for try await res in calls { #expect(res.numExamples == 1) }
        }
        #expect(parameters.encodings.contains(Flwr_Proto_Parameters.self))
        let messages = sessions.map { $0.writer.written.withLock { $0[round - 1] } }
        kept += messages
        perRound.append(messages.map(storage(of:)))
      }
      for session in sessions { session.proxy.shutdown() }
      try await drains.waitForAll()
    }
    for round in perRound {
      #expect(round.allSatisfy { $0 == round[0] }, "every client's FitIns holds the same tensor bytes")
      #expect(round[0].allSatisfy { $0 != nil })
    }
    #expect(zip(perRound[0][0], perRound[1][0]).allSatisfy { $0 != $1 }, "round 2 has its own encoding")
    #expect(kept.count == 2 * Self.clients)
  }

  @Test("copies of one Parameters value share its encoding; changing the tensors starts afresh")
  func encodingFollowsTheValue() throws {
    let parameters = Parameters(tensors: [NDArray([Float](repeating: 2, count: 100))])
    let copy = parameters
    let a = Flwr_Proto_Parameters.shared(parameters)
    let b = Flwr_Proto_Parameters.shared(copy)
    #expect(
      a.tensors[0].withUnsafeBytes { $0.baseAddress } == b.tensors[0].withUnsafeBytes { $0.baseAddress })
    var changed = copy
    changed.tensors[0] = NDArray([Float](repeating: 3, count: 100))
    #expect(!changed.encodings.contains(Flwr_Proto_Parameters.self))
    let c = Flwr_Proto_Parameters.shared(changed)
    #expect(try NDArray(npy: c.tensors[0]) == changed.tensors[0])
    #expect(try NDArray(npy: a.tensors[0]) == parameters.tensors[0])
    #expect(changed != parameters && copy == parameters)
  }
}

import Foundation
import GRPCCore
import Logging
import PollenClient
import PollenCore
import PollenFlowerProto
import Synchronization
import Testing

@testable import PollenGRPC
@testable import PollenServer

/// Replies stay bytes until their call decodes them, and a fit reply is decoded only with a slot
/// of its round's update budget.
@Suite struct ClientMessageBytesTests {
  private static func fitRes(examples: Int64) -> Flwr_Proto_ClientMessage {
    var m = Flwr_Proto_ClientMessage()
    m.fitRes.status = Flwr_Proto_Status(.ok)
    m.fitRes.numExamples = examples
    return m
  }

  @Test func theKindIsReadFromTheTagsAndTheMessageDecodesUnchanged() throws {
    var evaluate = Flwr_Proto_ClientMessage()
    evaluate.evaluateRes.loss = 0.5
    var properties = Flwr_Proto_ClientMessage()
    properties.getPropertiesRes.status = Flwr_Proto_Status(.ok)
    var parameters = Flwr_Proto_ClientMessage()
    parameters.getParametersRes.parameters.tensorType = "numpy.ndarray"
    var disconnect = Flwr_Proto_ClientMessage()
    disconnect.disconnectRes.reason = .ack
    let cases: [(Flwr_Proto_ClientMessage, Reply.Kind?)] = [
      (Self.fitRes(examples: 7), .fit), (evaluate, .evaluate), (properties, .getProperties),
      (parameters, .getParameters), (disconnect, .disconnect), (Flwr_Proto_ClientMessage(), nil),
    ]
    for (message, kind) in cases {
      let bytes = try ClientMessageBytes(message)
      #expect(bytes.kind == kind)
      #expect(try bytes.decode() == message)
    }
  }

  @Test func theLastOneofFieldWinsAsInProtobuf() throws {
    var evaluate = Flwr_Proto_ClientMessage()
    evaluate.evaluateRes.loss = 1
    let both: [UInt8] = try Self.fitRes(examples: 1).serializedBytes() + evaluate.serializedBytes()
    let message = try ClientMessageBytes(both)
    #expect(message.kind == .evaluate)
    #expect(try message.decode().replyKind == .evaluate)
  }

  @Test func brokenFramingIsRefusedAtOnce() throws {
    let good: [UInt8] = try Self.fitRes(examples: 1).serializedBytes()
    #expect(throws: RPCError.self) { try ClientMessageBytes(Array(good.dropLast())) }  // truncated
    // fit_res claiming 4 GiB
    #expect(throws: RPCError.self) { try ClientMessageBytes([0x22, 0xff, 0xff, 0xff, 0xff, 0x0f]) }
    #expect(throws: RPCError.self) { try ClientMessageBytes([0x07]) }  // wire type 7
    #expect(throws: RPCError.self) { try ClientMessageBytes([0x00, 0x01]) }  // field 0
  }

  @Test func aWellFramedButInvalidReplyFailsOnlyItsDecode() throws {
    // Field 4 (fit_res) holding bytes that are not a FitRes: framing is fine, decoding is not.
    let message = try ClientMessageBytes([0x22, 0x02, 0xff, 0xff] as [UInt8])
    #expect(message.kind == .fit)
    let error = #expect(throws: PollenError.self) { try message.decode() }
    #expect(error?.code == .invalidMessage)
  }

  @Test func aFitReplyWaitsUndecodedForASlotOfTheRoundsBudget() async throws {
    let manager = SimpleClientManager(seed: 1)
    let outbox = Outbox()
    let proxy = GRPCClientProxy(
      cid: "c", peer: "test", outbox: outbox, clientManager: manager, gracePeriod: .seconds(60),
      logger: Logger(label: "test"))
    let budget = UpdateBudget(limit: 1)
    #expect(await budget.acquire())  // another result holds the only slot
    let lease = UpdateLease(budget: budget)
    let returned = Mutex(false)
    let call = Task {
      let res = try await UpdateLease.$current.withValue(lease) {
        try await proxy.fit(FitIns(parameters: Parameters(tensors: [])), timeout: .seconds(30))
      }
      returned.withLock { $0 = true }
      return res
    }
    // Once the instruction is written to the stream, the client replies.
    let writer = Written()
    let drain = Task { try await outbox.drain(into: RPCWriter(wrapping: writer)) }
    defer { drain.cancel() }
    #expect(await eventually { writer.count == 1 })
    await proxy.received(try ClientMessageBytes(Self.fitRes(examples: 3)))
    try await Task.sleep(for: .milliseconds(300))
    #expect(returned.withLock { $0 } == false, "the reply waits for a slot")
    budget.release()
    let res = try await call.value
    #expect(res.numExamples == 3)
    #expect(budget.inUse == 1, "the call holds the slot until the server folds its result")
    outbox.end(.finish)
  }
}

/// Counts what a stream handler writes.
private final class Written: RPCWriterProtocol, Sendable {
  private let state = Mutex(0)
  var count: Int { state.withLock { $0 } }
  func write(_ element: ServerMessageWrite) async throws { state.withLock { $0 += 1 } }
  func write(contentsOf elements: some Sequence<ServerMessageWrite>) async throws {
    for element in elements { try await write(element) }
  }
}

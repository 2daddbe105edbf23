import GRPCNIOTransportCore
import PollenClient
import PollenCore
import PollenFlowerProto
import SwiftProtobuf
import Testing

@testable import PollenGRPC

/// The canned answers of a ``LoadGenerator`` client and its summary line.
struct LoadSessionTests {
  /// What a load client sends, decoded.
  func decoded(_ encoded: EncodedClientMessage) throws -> Flwr_Proto_ClientMessage {
    try encoded.bytes.withUnsafeBytes { try Flwr_Proto_ClientMessage(serializedBytes: Array($0)) }
  }

  /// A `ServerMessage` as a load client's deserializer hands it over.
  func received(_ message: Flwr_Proto_ServerMessage) throws -> ServerMessageBytes {
    try ServerMessageBytes.Deserializer().deserialize(message.serializedBytes() as [UInt8])
  }

  func fitIns(_ values: [Float]) -> Flwr_Proto_ServerMessage {
    Flwr_Proto_ServerMessage(.fit(FitIns(parameters: Parameters(tensors: [NDArray(values)]))))
  }

  @Test func getParametersReturnsZerosSplitIntoLayers() throws {
    let message = try decoded(LoadReplies(parameters: 10, layers: 3).getParameters)
    guard case .getParameters(let res) = try Reply(proto: message) else {
      Issue.record("not a get_parameters reply: \(message)")
      return
    }
    #expect(res.status == .ok)
    #expect(res.parameters.tensors.map(\.shape) == [[4], [3], [3]])
    #expect(
      res.parameters.tensors.allSatisfy {
        $0.dtype == .float32 && $0.scalars(as: Float.self).allSatisfy { $0 == 0 }
      })
  }

  @Test func fitReturnsTheParametersPlusOneWithTenExamples() throws {
    let received = Parameters(tensors: [
      NDArray([Float(1), -2, 3.5], shape: [3]), NDArray([Double(0.25)], shape: []),
    ])
    let message = try LoadSession.fitReply(Flwr_Proto_Parameters(received))
    guard case .fit(let res) = try Reply(proto: message) else {
      Issue.record("not a fit reply: \(message)")
      return
    }
    #expect(res.status == .ok && res.numExamples == 10)
    #expect(
      res.parameters.tensors == [
        NDArray([Float(2), -1, 4.5], shape: [3]), NDArray([Double(1.25)], shape: []),
      ])
  }

  @Test func theFitReplyCacheAnswersEachInputWithItsOwnPlusOne() throws {
    let cache = FitReplyCache(splices: LoadReplySplices())
    func values(_ message: EncodedClientMessage) throws -> [Float] {
      guard case .fit(let res) = try Reply(proto: decoded(message)) else { return [] }
      return res.parameters.tensors[0].scalars(as: Float.self)
    }
    let ones = try received(fitIns([1, 1]))
    let twos = try received(fitIns([2, 2]))
    #expect(ones.isFit && twos.isFit)
    #expect(try values(cache.reply(to: ones)) == [2, 2])
    // The same bytes again (another client's copy) get the same encoded reply.
    let first = try cache.reply(to: received(fitIns([1, 1])))
    #expect(try values(first) == [2, 2])
    #expect(try values(cache.reply(to: twos)) == [3, 3])
    #expect(try values(cache.reply(to: ones)) == [2, 2])
  }

  @Test func instructionsOtherThanFitAreNotReadAsFit() throws {
    let others: [Flwr_Proto_ServerMessage] = [
      Flwr_Proto_ServerMessage(.reconnect(ReconnectIns(seconds: nil))),
      Flwr_Proto_ServerMessage(.getParameters(GetParametersIns())),
      Flwr_Proto_ServerMessage(
        .evaluate(EvaluateIns(parameters: Parameters(tensors: [NDArray([Float(1)])])))),
    ]
    for message in others {
      let bytes = try received(message)
      #expect(!bytes.isFit)
      #expect(try bytes.decode() == message)
    }
    // A length running past the end is refused when the message is read off the stream.
    #expect(throws: (any Error).self) {
      try ServerMessageBytes.Deserializer().deserialize([UInt8]([0x22, 0x7f, 1, 2]))
    }
  }

  @Test func theCannedRepliesAreWhatFlowerClientsSend() throws {
    let replies = try LoadReplies(parameters: 4, layers: 1)
    guard case .evaluate(let evaluate) = try Reply(proto: decoded(replies.evaluate)) else {
      Issue.record("not an evaluate reply")
      return
    }
    #expect(evaluate.status == .ok && evaluate.loss == 0 && evaluate.numExamples == 10)
    guard case .getProperties(let properties) = try Reply(proto: decoded(replies.getProperties)) else {
      Issue.record("not a get_properties reply")
      return
    }
    #expect(properties.status == .ok && properties.properties.isEmpty)
    guard case .disconnect(let disconnect) = try Reply(proto: decoded(replies.disconnect)) else {
      Issue.record("not a disconnect")
      return
    }
    #expect(disconnect.reason == .reconnect)
    // The serializer hands the transport the shared buffer itself.
    let serialized: GRPCNIOTransportBytes = try EncodedClientMessage.Serializer().serialize(replies.evaluate)
    #expect(serialized == replies.evaluate.bytes)
  }

  @Test func summaryLineNamesEveryCountAndTheFailureReasons() {
    let summary = LoadGenerator.Summary(
      clients: 10_000, connected: 1_000, peakConnected: 1_000, getParameters: 1, fits: 3_000, evaluates: 0,
      getProperties: 0, disconnected: 1_000, failures: ["resourceExhausted": 9_000], wallSeconds: 12.345)
    #expect(
      summary.description
        == "pollen load: 10000 clients, 1000 connected (peak 1000 at once), 3000 fits, 0 evaluates, "
        + "1 get_parameters answered, 1000 disconnected by the server, 9000 failures (resourceExhausted 9000), "
        + "wall 12.3 s")
  }
}

import NIOCore
import NIOEmbedded
import NIOHTTP2
import PollenClient
import PollenCore
import PollenFlowerProto
import SwiftProtobuf
import Testing

@testable import PollenGRPC

/// FitIns/EvaluateIns leave the server as spliced pieces (``SplicedServerMessage``): the same
/// bytes swift-protobuf would write, the parameters shared by every client's message, written by
/// the stream's handler in place of the placeholder the gRPC framer frames.
@Suite struct SplicedMessageTests {
  static let model = Parameters(tensors: [
    NDArray([Float](repeating: 0.25, count: 3000)), NDArray([Int64(7), -8]),
  ])
  static let config: [String: Scalar] = [
    "lr": .double(0.05), "epochs": .int(-2), "u": .uint(3), "on": .bool(true), "name": .string("ü"),
    "blob": .bytes([0, 1, 2]),
  ]

  /// The pieces after the 5-byte gRPC prefix, joined.
  private static func joined(_ message: SplicedServerMessage) -> (prefix: [UInt8], body: [UInt8]) {
    var all: [UInt8] = []
    for part in message.framed() { all += part.readableBytesView }
    return (Array(all.prefix(5)), Array(all.dropFirst(5)))
  }

  @Test(arguments: [
    Instruction.fit(FitIns(parameters: model, config: config)),
    .fit(FitIns(parameters: model)),
    .evaluate(EvaluateIns(parameters: model, config: ["x": .double(1)])),
    .fit(FitIns(parameters: Parameters(tensors: []))),
  ])
  func piecesDecodeToTheInstruction(_ instruction: Instruction) throws {
    let spliced = try #require(SplicedServerMessage(instruction))
    let (prefix, body) = Self.joined(spliced)
    #expect(prefix == [0] + withUnsafeBytes(of: UInt32(body.count).bigEndian, Array.init))
    #expect(body.count == spliced.count)
    #expect(try FlowerWire.decodeInstruction(body) == instruction)
    #expect(body.count == (try Flwr_Proto_ServerMessage(instruction).serializedBytes() as [UInt8]).count)
  }

  @Test func onlyInstructionsWithParametersAreSpliced() {
    #expect(SplicedServerMessage(.getParameters(GetParametersIns())) == nil)
    #expect(SplicedServerMessage(.reconnect(ReconnectIns(seconds: 3))) == nil)
  }

  @Test func everyClientsMessageSharesOneEncodingOfTheParameters() throws {
    let a = try #require(SplicedServerMessage(.fit(FitIns(parameters: Self.model, config: ["c": .int(1)]))))
    let b = try #require(SplicedServerMessage(.fit(FitIns(parameters: Self.model, config: ["c": .int(2)]))))
    let address = { (m: SplicedServerMessage) in m.parameters.withUnsafeReadableBytes { $0.baseAddress } }
    #expect(address(a) == address(b))
    #expect(a.parameters.readableBytes > 12_000)
  }

  /// A framed gRPC message (uncompressed).
  private static func frame(_ payload: [UInt8]) -> [UInt8] {
    [0] + withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init) + payload
  }

  @Test func theHandlerWritesThePiecesInPlaceOfThePlaceholder() throws {
    let channel = EmbeddedChannel()
    let gauges = StreamWriteGauges()
    try gauges.install(on: channel)
    let gauge = try #require(gauges.claim("1"))
    let instruction = Instruction.fit(FitIns(parameters: Self.model, config: Self.config))
    let spliced = try #require(SplicedServerMessage(instruction))
    gauge.queue(spliced)
    // What the framer coalesces: a plain message, the placeholder, another plain message.
    let before = Self.frame([0x0a, 0x00]), after = Self.frame([0x12, 0x00])
    let framed = before + Self.frame(SplicedServerMessage.placeholder) + after
    let written = channel.eventLoop.makePromise(of: Void.self)
    channel.write(
      HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(bytes: framed)))), promise: written)
    channel.flush()
    var out: [UInt8] = []
    var frames = 0
    while let payload = try channel.readOutbound(as: HTTP2Frame.FramePayload.self) {
      guard case .data(let data) = payload, case .byteBuffer(let buffer) = data.data else {
        Issue.record("expected DATA frames")
        continue
      }
      #expect(!data.endStream)
      out += buffer.readableBytesView
      frames += 1
    }
    let message = try Flwr_Proto_ServerMessage(instruction).serializedBytes() as [UInt8]
    #expect(out.count == before.count + 5 + message.count + after.count)
    #expect(Array(out.prefix(before.count)) == before)
    #expect(Array(out.suffix(after.count)) == after)
    let middle = Array(out.dropFirst(before.count).dropLast(after.count))
    #expect(try FlowerWire.decodeInstruction(Array(middle.dropFirst(5))) == instruction)
    #expect(frames == 5)
    try written.futureResult.wait()
    #expect(gauge.mark == 1, "one write issued, however many frames it became")
    _ = try channel.finish()
  }

  @Test func framesWithoutAPlaceholderPassUntouched() throws {
    let channel = EmbeddedChannel()
    let gauges = StreamWriteGauges()
    try gauges.install(on: channel)
    let gauge = try #require(gauges.claim("1"))
    gauge.queue(try #require(SplicedServerMessage(.fit(FitIns(parameters: Self.model)))))
    let plain = Self.frame(Array(repeating: 7, count: SplicedServerMessage.placeholder.count))
    try channel.writeAndFlush(
      HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(bytes: plain))))
    )
    .wait()
    let payload = try #require(try channel.readOutbound(as: HTTP2Frame.FramePayload.self))
    guard case .data(let data) = payload, case .byteBuffer(let buffer) = data.data else {
      Issue.record("expected a DATA frame")
      return
    }
    #expect(Array(buffer.readableBytesView) == plain)
    #expect(try channel.readOutbound(as: HTTP2Frame.FramePayload.self) == nil)
    _ = try channel.finish()
  }

  @Test func aPlaceholderWithNothingQueuedFailsTheWriteAndClosesTheStream() throws {
    let channel = EmbeddedChannel()
    let gauges = StreamWriteGauges()
    try gauges.install(on: channel)
    let gauge = try #require(gauges.claim("1"))
    gauge.queue(try #require(SplicedServerMessage(.fit(FitIns(parameters: Self.model)))))
    let two = Self.frame(SplicedServerMessage.placeholder) + Self.frame(SplicedServerMessage.placeholder)
    let write = channel.writeAndFlush(
      HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(bytes: two)))))
    #expect(throws: StreamWriteGauge.SpliceError.self) { try write.wait() }
    #expect(try channel.readOutbound(as: HTTP2Frame.FramePayload.self) == nil, "nothing reached the client")
    #expect(!channel.isActive)
  }
}

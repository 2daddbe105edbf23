import NIOCore
import NIOEmbedded
import NIOHTTP2
import PollenClient
import PollenCore
import PollenFlowerProto
import SwiftProtobuf
import Testing

@testable import PollenGRPC

/// The load generator's `fit` replies are framed once and written by each stream in place of a
/// placeholder (``LoadReplySplices``, ``LoadReplySplicer``).
@Suite struct LoadReplySplicerTests {
  /// A gRPC length-prefixed message.
  static func framed(_ message: [UInt8]) -> [UInt8] {
    let n = UInt32(message.count)
    return [0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + message
  }

  /// Writes `bytes` as one DATA frame through a splicer; returns the frames it wrote, or the
  /// write's error.
  static func write(_ bytes: [UInt8], endStream: Bool = false, through splices: LoadReplySplices) throws
    -> (frames: [(bytes: [UInt8], end: Bool)], error: (any Error)?, active: Bool)
  {
    let channel = EmbeddedChannel(handler: LoadReplySplicer(splices))
    let payload = HTTP2Frame.FramePayload.data(
      .init(data: .byteBuffer(ByteBuffer(bytes: bytes)), endStream: endStream))
    let written = channel.write(payload)
    channel.flush()
    var error: (any Error)?
    do { try written.wait() } catch let failure { error = failure }
    var frames: [(bytes: [UInt8], end: Bool)] = []
    while let out = try channel.readOutbound(as: HTTP2Frame.FramePayload.self) {
      guard case .data(let data) = out, case .byteBuffer(let buffer) = data.data else { continue }
      frames.append((Array(buffer.readableBytesView), data.endStream))
    }
    let active = channel.isActive
    _ = try? channel.finish()
    return (frames, error, active)
  }

  @Test func aPlaceholderIsWrittenAsTheFramedReplyItNames() throws {
    let splices = LoadReplySplices()
    let reply = Array(0..<200).map { UInt8($0) }
    let id = splices.register(reply)
    let before = Self.framed([7, 7, 7])
    let placeholder = Self.framed(LoadReplySplices.placeholder(id))
    let result = try Self.write(before + placeholder + before, endStream: true, through: splices)
    #expect(result.error == nil)
    #expect(result.frames.map(\.bytes).reduce([], +) == before + Self.framed(reply) + before)
    #expect(result.frames.map(\.end) == [false, false, true])
    // Two streams writing the reply write the same buffer.
    let a = splices.framed(id)?.withUnsafeReadableBytes { $0.baseAddress }
    let b = splices.framed(id)?.withUnsafeReadableBytes { $0.baseAddress }
    #expect(a != nil && a == b)
  }

  @Test func dataWithoutPlaceholdersIsWrittenAsItIs() throws {
    let splices = LoadReplySplices()
    _ = splices.register([1, 2, 3])
    // A message of the placeholder's length that is not one.
    let lookalike = Self.framed(Array(repeating: 0, count: LoadReplySplices.placeholderCount))
    let result = try Self.write(lookalike, through: splices)
    #expect(result.error == nil)
    #expect(result.frames.map(\.bytes) == [lookalike])
  }

  @Test func onlyTheLastFewRepliesAreKeptAndAPlaceholderForAnOlderOneFailsTheStream() throws {
    let splices = LoadReplySplices()
    let ids = (0..<(LoadReplySplices.kept + 1)).map { splices.register([UInt8($0)]) }
    #expect(splices.framed(ids[0]) == nil)
    #expect(ids.dropFirst().allSatisfy { splices.framed($0) != nil })
    #expect(
      LoadReplySplices.placeholder(ids[3]).withUnsafeBytes { LoadReplySplices.id(inPlaceholder: $0) }
        == ids[3])
    let result = try Self.write(Self.framed(LoadReplySplices.placeholder(ids[0])), through: splices)
    #expect(result.error is LoadReplySplicer.UnknownReply)
    #expect(result.frames.isEmpty)
    #expect(!result.active)
  }

  @Test func theFitReplyCacheSplicesItsRepliesWhenGivenSplices() throws {
    let splices = LoadReplySplices()
    let cache = FitReplyCache(splices: splices)
    let ins = Flwr_Proto_ServerMessage(
      .fit(FitIns(parameters: Parameters(tensors: [NDArray([Float(1), 2], shape: [2])]))))
    let reply = try cache.reply(to: ServerMessageBytes(ins.serializedBytes() as [UInt8]))
    let id = try #require(reply.spliceID)
    let framed = try #require(splices.framed(id))
    let encoded = reply.bytes.withUnsafeBytes { Array($0) }
    #expect(Array(framed.readableBytesView) == Self.framed(encoded))
    let serialized: [UInt8] = try EncodedClientMessage.Serializer().serialize(reply)
    #expect(serialized == LoadReplySplices.placeholder(id))
  }
}

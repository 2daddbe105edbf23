import NIOCore
import NIOEmbedded
import NIOHTTP2
import Testing

@testable import PollenGRPC

/// Streams that receive the same large message forward one shared buffer instead of each
/// assembling a copy (``SharedInboundMessage``); anything else is assembled as before.
@Suite struct SharedInboundMessageTests {
  typealias Helpers = InboundMessageAssemblerTests

  /// A gRPC message of `count` bytes counting up from `seed`.
  static func message(_ count: Int, seed: UInt8) -> [UInt8] {
    var bytes = Helpers.message(count, value: 0)
    for i in 5..<bytes.count { bytes[i] = seed &+ UInt8(truncatingIfNeeded: i) }
    return bytes
  }

  /// Sends `bytes` to `channel` in chunks of `size`; returns the forwarded messages' buffers.
  static func deliver(_ bytes: [UInt8], in size: Int, to channel: EmbeddedChannel) throws -> [ByteBuffer] {
    var start = 0
    while start < bytes.count {
      try Helpers.send(Array(bytes[start..<min(start + size, bytes.count)]), to: channel)
      start += size
    }
    var out: [ByteBuffer] = []
    while let payload = try channel.readInbound(as: HTTP2Frame.FramePayload.self) {
      if case .data(let data) = payload, case .byteBuffer(let buffer) = data.data, buffer.readableBytes > 0 {
        out.append(buffer)
      }
    }
    return out
  }

  static func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
    buffer.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
  }

  static let length = SharedInboundMessage.minimumLength + 1000

  @Test func aStreamReceivingTheSharedMessageForwardsItsBufferInsteadOfACopy() throws {
    let shared = SharedInboundMessage()
    let first = EmbeddedChannel(handler: InboundMessageAssembler(shared: shared))
    let second = EmbeddedChannel(handler: InboundMessageAssembler(shared: shared))
    let message = Self.message(Self.length, seed: 3)
    let assembled = try Self.deliver(message, in: 4096, to: first)
    // Chunked differently, the prefix split, on another stream.
    let reused = try Self.deliver(message, in: 3, to: second)
    #expect(assembled.count == 1 && reused.count == 1)
    #expect(reused.map { Array($0.readableBytesView) } == [message])
    #expect(Self.address(reused[0]) == Self.address(assembled[0]))
    _ = try first.finish()
    _ = try second.finish()
  }

  @Test func aMessageThatDiffersIsAssembledFromTheSharedBytesThatMatchedAndSharedNext() throws {
    let shared = SharedInboundMessage()
    let first = EmbeddedChannel(handler: InboundMessageAssembler(shared: shared))
    let second = EmbeddedChannel(handler: InboundMessageAssembler(shared: shared))
    let third = EmbeddedChannel(handler: InboundMessageAssembler(shared: shared))
    let message = Self.message(Self.length, seed: 3)
    var changed = message
    changed[changed.count - 10] &+= 1  // in the last chunk
    var early = message
    early[7] &+= 1  // in the first chunk
    let original = try Self.deliver(message, in: 8192, to: first)
    let late = try Self.deliver(changed, in: 8192, to: second)
    #expect(late.map { Array($0.readableBytesView) } == [changed])
    #expect(Self.address(late[0]) != Self.address(original[0]))
    // The changed message is the one shared now: the first stream receiving it again reuses it.
    let again = try Self.deliver(changed, in: 5000, to: first)
    #expect(Self.address(again[0]) == Self.address(late[0]))
    let differentEarly = try Self.deliver(early, in: 8192, to: third)
    #expect(differentEarly.map { Array($0.readableBytesView) } == [early])
    for channel in [first, second, third] { _ = try channel.finish() }
  }

  @Test func smallOrDifferentlySizedMessagesAreAssembledAsBefore() throws {
    let shared = SharedInboundMessage()
    let first = EmbeddedChannel(handler: InboundMessageAssembler(shared: shared))
    let second = EmbeddedChannel(handler: InboundMessageAssembler(shared: shared))
    let small = Self.message(1000, seed: 1)
    let large = Self.message(Self.length, seed: 1)
    let longer = Self.message(Self.length + 1, seed: 1)
    let a = try Self.deliver(small + large, in: 4096, to: first)
    let b = try Self.deliver(small + longer, in: 4096, to: second)
    #expect(a.map { Array($0.readableBytesView) } == [small, large])
    #expect(b.map { Array($0.readableBytesView) } == [small, longer])
    #expect(Self.address(a[0]) != Self.address(b[0]))
    #expect(Self.address(a[1]) != Self.address(b[1]))
    for channel in [first, second] { _ = try channel.finish() }
  }

  @Test func aStreamEndingWhileMatchingForwardsWhatArrived() throws {
    let shared = SharedInboundMessage()
    let first = EmbeddedChannel(handler: InboundMessageAssembler(shared: shared))
    let second = EmbeddedChannel(handler: InboundMessageAssembler(shared: shared))
    let message = Self.message(Self.length, seed: 9)
    _ = try Self.deliver(message, in: 8192, to: first)
    try Helpers.send(Array(message[0..<10_000]), to: second)
    try Helpers.send([], endStream: true, to: second)
    let frames = try Helpers.forwarded(from: second)
    #expect(frames.map(\.bytes).reduce([], +) == Array(message[0..<10_000]))
    #expect(frames.last?.end == true)
    for channel in [first, second] { _ = try channel.finish() }
  }
}

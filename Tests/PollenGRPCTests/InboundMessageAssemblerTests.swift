import NIOCore
import NIOEmbedded
import NIOHTTP2
import Testing

@testable import PollenGRPC

/// A stream's DATA reaches the gRPC deframer as whole messages, each in a buffer of its own
/// size, followed by an empty frame after each batch (``InboundMessageAssembler``).
@Suite struct InboundMessageAssemblerTests {
  /// A gRPC length-prefixed message of `count` bytes, each `value`.
  static func message(_ count: Int, value: UInt8) -> [UInt8] {
    let length = UInt32(count)
    return [
      0, UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff),
    ]
      + Array(repeating: value, count: count)
  }

  static func send(_ bytes: [UInt8], endStream: Bool = false, to channel: EmbeddedChannel) throws {
    let frame = HTTP2Frame.FramePayload.data(
      .init(data: .byteBuffer(ByteBuffer(bytes: bytes)), endStream: endStream))
    try channel.writeInbound(frame)
  }

  /// The DATA frames the handler forwarded: their bytes, capacities and end flags.
  static func forwarded(from channel: EmbeddedChannel) throws -> [(bytes: [UInt8], capacity: Int, end: Bool)]
  {
    var out: [(bytes: [UInt8], capacity: Int, end: Bool)] = []
    while let payload = try channel.readInbound(as: HTTP2Frame.FramePayload.self) {
      guard case .data(let data) = payload, case .byteBuffer(let buffer) = data.data else {
        Issue.record("expected DATA frames")
        continue
      }
      out.append((Array(buffer.readableBytesView), buffer.capacity, data.endStream))
    }
    return out
  }

  @Test func aMessageClaimingMoreThanTheLimitPassesThroughForTheDeframerToRefuse() throws {
    let channel = EmbeddedChannel(handler: InboundMessageAssembler(maxMessageSize: 1000))
    let small = Self.message(10, value: 1)
    // A prefix claiming 0x7F000000 bytes, split across two chunks, after a whole message.
    let claim: [UInt8] = [0, 0x7F, 0, 0, 0]
    try Self.send(small + Array(claim[0..<2]), to: channel)
    try Self.send(Array(claim[2...]) + [9, 9, 9], to: channel)
    try Self.send([8, 8], to: channel)
    let frames = try Self.forwarded(from: channel).filter { !$0.bytes.isEmpty }
    // Nothing of the oversized message is held back: the deframer sees its prefix at once.
    #expect(frames.map(\.bytes) == [small, claim, [9, 9, 9], [8, 8]])
    _ = try channel.finish()
  }

  @Test func aMessageSplitAcrossChunksIsForwardedWholeInABufferOfItsSize() throws {
    let channel = EmbeddedChannel(handler: InboundMessageAssembler())
    let message = Self.message(40_000, value: 7)
    // Chunks as 4 KiB socket reads deliver them, the prefix split across the first two.
    try Self.send(Array(message[0..<3]), to: channel)
    try Self.send(Array(message[3..<4096]), to: channel)
    #expect(try Self.forwarded(from: channel).isEmpty)
    var offset = 4096
    while offset < message.count {
      let end = min(offset + 4096, message.count)
      try Self.send(Array(message[offset..<end]), to: channel)
      offset = end
    }
    // (EmbeddedChannel ends each write with a read-complete: an empty frame follows.)
    let frames = try Self.forwarded(from: channel)
    let messages = frames.filter { !$0.bytes.isEmpty }
    #expect(messages.count == 1)
    #expect(messages.first?.bytes == message)
    #expect(messages.first?.capacity == 65_536)  // one allocation (NIO's power of two), not regrown
    #expect(frames.last?.bytes.isEmpty == true)  // frees the deframer's buffer
    _ = try channel.finish()
  }

  @Test func aMessageIsPlacedSoThatItsDataOffsetIsAligned() throws {
    for (count, offset) in [(40_000, 0), (40_000, 3), (40_000, 13), (100, 7)] {
      let channel = EmbeddedChannel(handler: InboundMessageAssembler(dataOffset: { _ in offset }))
      let message = Self.message(count, value: 7)
      // A message of 100 bytes arrives whole; one of 40,000 in 4 KiB chunks.
      var start = 0
      while start < message.count {
        let end = min(start + 4096, message.count)
        try Self.send(Array(message[start..<end]), to: channel)
        start = end
      }
      var buffers: [ByteBuffer] = []
      while let payload = try channel.readInbound(as: HTTP2Frame.FramePayload.self) {
        if case .data(let data) = payload, case .byteBuffer(let buffer) = data.data, buffer.readableBytes > 0
        {
          buffers.append(buffer)
        }
      }
      #expect(buffers.count == 1)
      let buffer = try #require(buffers.first)
      #expect(Array(buffer.readableBytesView) == message)
      let address = buffer.withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress!) } + 5 + offset
      #expect(address % InboundMessageAssembler.dataAlignment == 0, "\(count) bytes, offset \(offset)")
      #expect(buffer.capacity == (count == 100 ? 128 : 65_536))
      _ = try channel.finish()
    }
  }

  @Test func aMessageIsReservedWholeOnlyOnceItsConnectionMayReadOn() throws {
    final class Switch { var on = false }
    let allowed = Switch()
    let assembler = InboundMessageAssembler(dataOffset: { _ in 0 }, mayReserve: { allowed.on })
    let channel = EmbeddedChannel(handler: assembler)
    let message = Self.message(40_000, value: 5)
    // Waiting for the receive budget: what arrived stays in a buffer of about its size.
    try Self.send(Array(message[0..<4096]), to: channel)
    try Self.send(Array(message[4096..<8192]), to: channel)
    #expect(assembler.assemblingCapacity == 8192)
    #expect(try Self.forwarded(from: channel).isEmpty)
    // Admitted: the next chunk reserves the whole message (aligned), which then completes.
    allowed.on = true
    try Self.send(Array(message[8192..<12_288]), to: channel)
    #expect(assembler.assemblingCapacity == 65_536)
    try Self.send(Array(message[12_288...]), to: channel)
    let frames = try Self.forwarded(from: channel).filter { !$0.bytes.isEmpty }
    #expect(frames.map(\.bytes) == [message])
    #expect(frames.first?.capacity == 65_536)
    _ = try channel.finish()
  }

  @Test func aMessageIsNotAlignedWhenThePaddingWouldDoubleItsBuffer() throws {
    // 65,531 bytes and the prefix fill NIO's 64 KiB exactly: no room for padding.
    let channel = EmbeddedChannel(handler: InboundMessageAssembler(dataOffset: { _ in 1 }))
    let message = Self.message(65_531, value: 2)
    try Self.send(Array(message[0..<4096]), to: channel)
    try Self.send(Array(message[4096...]), to: channel)
    let frames = try Self.forwarded(from: channel).filter { !$0.bytes.isEmpty }
    #expect(frames.map(\.bytes) == [message])
    #expect(frames.first?.capacity == 65_536)
    _ = try channel.finish()
  }

  @Test func severalMessagesInOneChunkAreForwardedOneByOne() throws {
    let channel = EmbeddedChannel(handler: InboundMessageAssembler())
    let a = Self.message(10, value: 1), b = Self.message(0, value: 0), c = Self.message(300, value: 3)
    try Self.send(a + b + Array(c[0..<100]), to: channel)
    try Self.send(Array(c[100...]), to: channel)
    let frames = try Self.forwarded(from: channel)
    #expect(frames.map(\.bytes).filter { !$0.isEmpty } == [a, b, c])
    #expect(frames.allSatisfy { !$0.end })
    _ = try channel.finish()
  }

  @Test func aStreamEndingInsideAMessageForwardsWhatArrivedWithTheEnd() throws {
    let channel = EmbeddedChannel(handler: InboundMessageAssembler())
    let message = Self.message(1_000, value: 9)
    try Self.send(Array(message[0..<600]), endStream: true, to: channel)
    let frames = try Self.forwarded(from: channel)
    #expect(frames.map(\.bytes) == [Array(message[0..<600])])
    #expect(frames.last?.end == true)
    // Nothing is forwarded after the client closed its side.
    channel.pipeline.fireChannelReadComplete()
    #expect(try Self.forwarded(from: channel).isEmpty)
    _ = try channel.finish()
  }

  @Test func anEmptyFrameEndingTheStreamCarriesTheEnd() throws {
    let channel = EmbeddedChannel(handler: InboundMessageAssembler())
    let message = Self.message(5, value: 2)
    try Self.send(message, to: channel)
    try Self.send([], endStream: true, to: channel)
    let frames = try Self.forwarded(from: channel)
    #expect(frames.map(\.bytes).filter { !$0.isEmpty } == [message])
    #expect(frames.last.map { $0.bytes.isEmpty && $0.end } == true)
    #expect(frames.dropLast().allSatisfy { !$0.end })
    _ = try channel.finish()
  }
}

@Suite struct ReadBufferSizingTests {
  @Test func limitsArePowersOfTwoWithinBounds() {
    let sizing = ReadBufferSizing(memory: 64 << 20, minimum: 4 << 10, maximum: 256 << 10, expected: 10_000)
    #expect(sizing.limit(open: 1) == 4 << 10)  // 6.7 KiB rounded down
    let hundred = ReadBufferSizing(memory: 64 << 20, minimum: 4 << 10, maximum: 256 << 10, expected: 100)
    #expect(hundred.limit(open: 1) == 256 << 10)
    let thousand = ReadBufferSizing(memory: 64 << 20, minimum: 4 << 10, maximum: 256 << 10, expected: 1_000)
    #expect(thousand.limit(open: 1) == 64 << 10)
    let two = ReadBufferSizing(memory: 64 << 20, minimum: 4 << 10, maximum: 256 << 10, expected: 2_000)
    #expect(two.limit(open: 1) == 32 << 10)  // 33.5 KiB: NIO would have made it 64 KiB
  }

  @Test func readsPerEventKeepThePooledBuffersWithinTheMemory() {
    let many = ReadBufferSizing(memory: 64 << 20, minimum: 4 << 10, maximum: 256 << 10, expected: 10_000)
    #expect(many.readsPerEvent(limit: many.limit(open: 1)) == 1)
    let few = ReadBufferSizing(memory: 64 << 20, minimum: 4 << 10, maximum: 256 << 10, expected: 10)
    #expect(few.readsPerEvent(limit: few.limit(open: 1)) == 4)
    let hundred = ReadBufferSizing(memory: 64 << 20, minimum: 4 << 10, maximum: 256 << 10, expected: 100)
    #expect(hundred.readsPerEvent(limit: hundred.limit(open: 1)) == 2)
  }

  @Test func theReceiveBudgetShrinksPastTwoThousandClients() {
    typealias Config = FlowerGRPCServer.Config
    #expect(Config.defaultReceiveBufferSize(expectedClients: 2) == 32 << 20)
    #expect(Config.defaultReceiveBufferSize(expectedClients: 2_000) == 32 << 20)
    #expect(Config.defaultReceiveBufferSize(expectedClients: 3_000) == (64 << 20) / 3)
    #expect(Config.defaultReceiveBufferSize(expectedClients: 4_000) == 16 << 20)
    #expect(Config.defaultReceiveBufferSize(expectedClients: 10_000) == 16 << 20)
  }
}

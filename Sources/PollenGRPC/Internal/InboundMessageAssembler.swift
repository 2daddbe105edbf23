import NIOCore
import NIOHTTP2

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Assembles each gRPC message a stream receives into one buffer of its size (as NIO allocates
/// them: rounded up to a power of two), and lets the transport free that buffer once the
/// message is delivered.
///
/// HTTP/2 hands a stream its DATA as slices of the connection's socket read buffers, and
/// grpc-swift-nio-transport 2.9's `GRPCMessageDeframer` keeps the first slice of a message and
/// grows it by doubling as the rest arrives: a 4 MB reply is reallocated at each doubling, and
/// the read buffer the first slice came from stays pinned (NIO then allocates another and
/// keeps up to `maxMessagesPerRead` of them per connection).
/// Sitting in front of the gRPC handler, this reads each message's 5-byte length prefix,
/// copies each chunk in — the first into a buffer of its own size, and when more follows, into
/// one reserved for the whole message (at most ``maxReservation`` up front: a prefix is only a
/// claim) — and forwards a message only when it is complete, so the deframer takes the buffer as
/// it is and slices the message out of it without a copy. (Reserving only once the second chunk
/// arrives matters at 10,000 clients: thousands of connections read a reply's first bytes in the
/// same turn of the event loop before the ``ReceiveBudget`` pauses them, and then wait.)
///
/// The deframer also keeps the buffer of the last message until the stream's next DATA frame,
/// and a Flower client sends nothing until its next instruction: every stream would hold its
/// last reply (a whole model) between rounds. After each batch of messages this forwards an
/// empty DATA frame, which the deframer takes in place of its drained buffer (an empty frame
/// changes nothing else: no message, no flow-control credit). Nothing is sent once the client
/// has closed its side; a stream that ends inside a message forwards what arrived of it, and
/// the deframer reports the error. A message whose prefix claims more than the server accepts
/// is not assembled: from its prefix on, the stream's DATA passes through unchanged, so the
/// deframer refuses it at once (as without this handler), before any of it is buffered here.
///
/// With a ``mayReserve`` function, a message is reserved whole only while it says so: a
/// connection withheld by the server's ``ReceiveBudget`` (its first bytes arrived during a
/// pause) keeps what arrived of its message in a buffer of that size until it is admitted. At
/// K = 100 clients × 4 MB replies, half the connections were waiting at a time, each with a 4 MB
/// reservation (memory of earlier messages, resident) for the few hundred KiB it had read: the
/// server's peak memory was their reservations, whatever the budget's limit.
///
/// With a ``dataOffset`` function, a message is placed in its buffer so that the offset it
/// finds in the message's first bytes (the first tensor's data: ``FitResDecoder``) lies at an
/// address aligned to ``dataAlignment`` bytes — when the padding fits in what NIO allocates
/// anyway (a power of two).
///
/// With a ``shared`` message (``SharedInboundMessage``), a message with the same prefix as the
/// shared one is compared with it as its chunks arrive instead of being copied, and, when every
/// byte matched, the shared buffer is forwarded in its place. From the first chunk that differs
/// the message is assembled after all (the bytes that matched are copied from the shared one),
/// and a large message this assembler finished is shared for the next.
final class InboundMessageAssembler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTP2Frame.FramePayload
  typealias InboundOut = HTTP2Frame.FramePayload

  /// The most reserved for a message before its bytes arrive; a larger one grows as it comes.
  static let maxReservation = 64 << 20

  /// The largest message assembled (the server's `maxMessageSize`); a larger claim passes
  /// through to the deframer, which refuses it.
  let maxMessageSize: Int
  /// Where in a message (after its prefix) the byte to align is, from its first bytes.
  let dataOffset: (@Sendable (UnsafeRawBufferPointer) -> Int?)?
  /// Whether a message that goes on past its first chunk may be reserved whole now (read on the
  /// event loop; `nil`: always).
  let mayReserve: (() -> Bool)?
  /// The last large message assembled by any stream that shares it.
  let shared: SharedInboundMessage?
  /// The alignment of the byte at ``dataOffset`` (enough for every dtype).
  static let dataAlignment = 16
  /// Set once a message claimed more than ``maxMessageSize``: everything passes through.
  private var passingThrough = false

  /// The message being assembled, its prefix included.
  private var message: ByteBuffer?
  /// The shared message the one arriving is being compared with (instead of assembled), its
  /// prefix included, and how many bytes after the prefix have matched.
  private var matching: (message: ByteBuffer, matched: Int)?
  /// Bytes of ``message`` still to come.
  private var remaining = 0
  /// Whether ``message`` has room for all of it.
  private var reserved = false
  /// The length prefix read so far, when a chunk ends inside it.
  private var prefix: [UInt8] = []
  private var forwarded = false
  private var inputClosed = false
  private let empty = ByteBufferAllocator().buffer(capacity: 0)

  /// The capacity of the buffer holding the message being assembled (0 between messages; for
  /// tests).
  var assemblingCapacity: Int { message?.capacity ?? 0 }

  /// An assembler for a stream whose messages may be at most `maxMessageSize` bytes.
  init(
    maxMessageSize: Int = Int(Int32.max), dataOffset: (@Sendable (UnsafeRawBufferPointer) -> Int?)? = nil,
    mayReserve: (() -> Bool)? = nil, shared: SharedInboundMessage? = nil
  ) {
    self.maxMessageSize = maxMessageSize
    self.dataOffset = dataOffset
    self.mayReserve = mayReserve
    self.shared = shared
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    if passingThrough { return context.fireChannelRead(data) }
    switch unwrapInboundIn(data) {
    case .data(let frame):
      guard case .byteBuffer(var chunk) = frame.data else { return context.fireChannelRead(data) }
      assemble(&chunk, context: context)
      if passingThrough {
        // What is left of this chunk (from the oversized prefix on) goes as it came.
        if chunk.readableBytes > 0 || frame.endStream {
          forward(chunk, endStream: frame.endStream, context: context)
        }
        return
      }
      if frame.endStream {
        inputClosed = true
        forwardPartial(context: context, endStream: true)
      }
    case .headers(let headers):
      if headers.endStream {
        inputClosed = true
        forwardPartial(context: context, endStream: false)
      }
      context.fireChannelRead(data)
    default:
      context.fireChannelRead(data)
    }
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    if forwarded && !inputClosed && !passingThrough {
      forwarded = false
      forward(empty, endStream: false, context: context)
    }
    context.fireChannelReadComplete()
  }

  /// Copies `chunk` into the messages it continues and begins, forwarding each completed one.
  private func assemble(_ chunk: inout ByteBuffer, context: ChannelHandlerContext) {
    while chunk.readableBytes > 0 {
      if message == nil, matching == nil {
        let take = min(5 - prefix.count, chunk.readableBytes)
        prefix += chunk.readBytes(length: take) ?? []
        guard prefix.count == 5 else { return }
        let length = prefix[1...4].reduce(0) { $0 << 8 | Int($1) }
        if length > maxMessageSize {
          passingThrough = true
          var claim = context.channel.allocator.buffer(capacity: 5)
          claim.writeBytes(prefix)
          prefix.removeAll()
          forward(claim, endStream: false, context: context)
          return
        }
        if length >= SharedInboundMessage.minimumLength, let candidate = shared?.candidate(prefix: prefix) {
          prefix.removeAll(keepingCapacity: true)
          matching = (candidate, 0)
          remaining = length
          continue
        }
        // A message that does not end in this chunk gets only what arrived of it for now: its
        // connection may be told to wait (``ReceiveBudget``) before reading any more of it.
        let whole = chunk.readableBytes >= length
        var buffer = self.buffer(
          capacity: 5 + (whole ? length : min(chunk.readableBytes, Self.maxReservation)),
          aligning: whole ? chunk.withUnsafeReadableBytes { dataOffset?($0) } : nil, context: context)
        buffer.writeBytes(prefix)
        prefix.removeAll(keepingCapacity: true)
        message = buffer
        remaining = length
        reserved = whole
      } else if !reserved, mayReserve?() ?? true, let started = message {
        // The message goes on: reserve all of it once.
        let offset = started.withUnsafeReadableBytes {
          dataOffset?(UnsafeRawBufferPointer(rebasing: $0.dropFirst(5)))
        }
        var buffer = self.buffer(
          capacity: min(started.readableBytes + remaining, Self.maxReservation), aligning: offset,
          context: context)
        buffer.writeImmutableBuffer(started)
        message = buffer
        reserved = true
      }
      if let known = matching, compare(&chunk, with: known.message, matched: known.matched, context: context)
      {
        continue
      }
      let n = min(remaining, chunk.readableBytes)
      if n > 0, let slice = chunk.readSlice(length: n) { message!.writeImmutableBuffer(slice) }
      remaining -= n
      if remaining == 0, let done = message {
        message = nil
        shared?.publish(done)
        forward(done, endStream: false, context: context)
      }
    }
  }

  /// Compares the next bytes of `chunk` with the shared message being matched: returns true when
  /// they are the same (they are consumed, and the shared message forwarded if it is complete);
  /// false when they differ, with the message being assembled from here on (the bytes that
  /// matched copied from the shared one) and `chunk` untouched.
  private func compare(
    _ chunk: inout ByteBuffer, with candidate: ByteBuffer, matched: Int, context: ChannelHandlerContext
  ) -> Bool {
    let n = min(remaining, chunk.readableBytes)
    let same = chunk.withUnsafeReadableBytes { arrived in
      candidate.withUnsafeReadableBytes { known in
        n == 0 || memcmp(arrived.baseAddress!, known.baseAddress! + 5 + matched, n) == 0
      }
    }
    if same {
      chunk.moveReaderIndex(forwardBy: n)
      remaining -= n
      matching = remaining == 0 ? nil : (candidate, matched + n)
      if remaining == 0 { forward(candidate, endStream: false, context: context) }
      return true
    }
    matching = nil
    let whole = mayReserve?() ?? true
    let offset = candidate.withUnsafeReadableBytes {
      dataOffset?(UnsafeRawBufferPointer(rebasing: $0.dropFirst(5)))
    }
    var buffer = self.buffer(
      capacity: min(5 + matched + (whole ? remaining : n), Self.maxReservation), aligning: offset,
      context: context)
    buffer.writeImmutableBuffer(candidate.getSlice(at: candidate.readerIndex, length: 5 + matched)!)
    message = buffer
    reserved = whole
    return false
  }

  /// A buffer for a message of `capacity` bytes (its prefix included), its reader index moved on
  /// so that byte `offset` after the prefix will be at an aligned address; unmoved without an
  /// offset or when the padding would double what NIO allocates (capacities are powers of two).
  private func buffer(capacity: Int, aligning offset: Int?, context: ChannelHandlerContext) -> ByteBuffer {
    let alignment = Self.dataAlignment
    let allocated = capacity <= 1 ? 1 : 1 << (Int.bitWidth - (capacity - 1).leadingZeroBitCount)
    guard let offset, capacity + alignment - 1 <= allocated else {
      return context.channel.allocator.buffer(capacity: capacity)
    }
    var buffer = context.channel.allocator.buffer(capacity: capacity + alignment - 1)
    let start = buffer.withUnsafeMutableWritableBytes { Int(bitPattern: $0.baseAddress) }
    let padding = (alignment - (start + 5 + offset) % alignment) % alignment
    buffer.writeRepeatingByte(0, count: padding)
    buffer.moveReaderIndex(forwardBy: padding)
    return buffer
  }

  /// Forwards what arrived of an unfinished message (the deframer then reports it), or, with
  /// `endStream`, at least an empty frame that carries the end.
  private func forwardPartial(context: ChannelHandlerContext, endStream: Bool) {
    var partial =
      message ?? matching.flatMap { known in
        known.message.getSlice(at: known.message.readerIndex, length: 5 + known.matched)
      } ?? empty
    message = nil
    matching = nil
    if !prefix.isEmpty {
      partial.writeBytes(prefix)
      prefix.removeAll()
    }
    if partial.readableBytes > 0 || endStream { forward(partial, endStream: endStream, context: context) }
  }

  private func forward(_ buffer: ByteBuffer, endStream: Bool, context: ChannelHandlerContext) {
    forwarded = buffer.readableBytes > 0
    context.fireChannelRead(wrapInboundOut(.data(.init(data: .byteBuffer(buffer), endStream: endStream))))
  }
}

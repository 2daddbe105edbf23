import NIOCore
import NIOHTTP2
import Synchronization

/// The `fit` replies of a ``LoadGenerator``'s clients, each framed once (gRPC's 5-byte prefix
/// and the encoded `ClientMessage`) and written by every stream that sends it in place of a
/// placeholder naming it (``LoadReplySplicer``).
///
/// All K clients of a round send the same 4 MB reply (at P = 1M); without this the gRPC framer
/// copied it into each stream's buffer (6% of the generator's CPU, perf at K = 100).
final class LoadReplySplices: Sendable {
  /// How many replies are kept: a placeholder names one of the last few (a stream writes its
  /// reply moments after it was made; one naming an older reply fails its stream).
  static let kept = 4

  private static let tag: [UInt8] = [0] + Array("pollen:load-reply:".utf8)
  /// A placeholder's length: the tag, then the reply's number (8 bytes, big-endian).
  static let placeholderCount = tag.count + 8

  private let state = Mutex<(next: UInt64, framed: [(id: UInt64, buffer: ByteBuffer)])>((0, []))

  /// Frames `message` (an encoded `ClientMessage`) and keeps it; returns its number.
  func register(_ message: [UInt8]) -> UInt64 {
    var framed = ByteBuffer()
    framed.reserveCapacity(5 + message.count)
    framed.writeMultipleIntegers(UInt8(0), UInt32(message.count))
    framed.writeBytes(message)
    return state.withLock { state in
      state.next += 1
      state.framed.append((state.next, framed))
      if state.framed.count > Self.kept { state.framed.removeFirst(state.framed.count - Self.kept) }
      return state.next
    }
  }

  /// The framed reply numbered `id`, while it is kept.
  func framed(_ id: UInt64) -> ByteBuffer? {
    state.withLock { state in state.framed.first { $0.id == id }?.buffer }
  }

  /// The message the gRPC framer frames in reply `id`'s place: a NUL (field number 0, which no
  /// protobuf decoder accepts, should one ever reach a server), a fixed text and the number.
  static func placeholder(_ id: UInt64) -> [UInt8] {
    tag + (0..<8).map { UInt8(truncatingIfNeeded: id >> (56 - 8 * $0)) }
  }

  /// The number a placeholder names; `nil` for any other message.
  static func id(inPlaceholder message: UnsafeRawBufferPointer) -> UInt64? {
    guard message.count == placeholderCount, message.starts(with: tag) else { return nil }
    return message.suffix(8).reduce(0) { $0 << 8 | UInt64($1) }
  }
}

/// Sits at the front of a load client's HTTP/2 stream channel and writes the framed replies of
/// ``LoadReplySplices`` in place of their placeholders (the generator enables no compression,
/// so placeholders are never compressed). A placeholder naming a reply no longer kept fails the
/// write and closes the stream.
final class LoadReplySplicer: ChannelOutboundHandler, RemovableChannelHandler {
  typealias OutboundIn = HTTP2Frame.FramePayload
  typealias OutboundOut = HTTP2Frame.FramePayload

  private let splices: LoadReplySplices

  init(_ splices: LoadReplySplices) {
    self.splices = splices
  }

  /// A placeholder named a reply that is no longer kept.
  struct UnknownReply: Error, CustomStringConvertible {
    let id: UInt64
    var description: String { "load reply \(id) is no longer kept (a stream wrote it late)" }
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    guard case .data(let frame) = unwrapOutboundIn(data), case .byteBuffer(let buffer) = frame.data else {
      return context.write(data, promise: promise)
    }
    let parts: [ByteBuffer]?
    do {
      parts = try SplicedWrites.expand(buffer) { message in
        guard let id = LoadReplySplices.id(inPlaceholder: message) else { return nil }
        guard let framed = splices.framed(id) else { throw UnknownReply(id: id) }
        return [framed]
      }
    } catch {
      promise?.fail(error)
      return context.close(promise: nil)
    }
    guard let parts else { return context.write(data, promise: promise) }
    SplicedWrites.write(parts, endStream: frame.endStream, context: context, promise: promise)
  }
}

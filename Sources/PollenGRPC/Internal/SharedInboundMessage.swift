import NIOCore
import Synchronization

/// The last large message an ``InboundMessageAssembler`` finished assembling, shared by the
/// assemblers of many streams: a stream that receives the same bytes compares them with it as
/// they arrive and forwards this buffer instead of assembling a copy of its own.
///
/// For the load generator, whose clients all receive the same `FitIns` in a round: at K = 100,
/// P = 1M each would otherwise copy the 4 MB model into a buffer of its own (faulting fresh
/// pages in for it) only for ``FitReplyCache`` to find it equal to the last one.
final class SharedInboundMessage: Sendable {
  /// Smaller messages are assembled as they are (comparing saves little there).
  static let minimumLength = 64 << 10

  /// The message, its 5-byte gRPC prefix included (from its reader index).
  private let last = Mutex<ByteBuffer?>(nil)

  /// The shared message if its prefix is `prefix` (the same flag and length).
  func candidate(prefix: [UInt8]) -> ByteBuffer? {
    guard let last = last.withLock({ $0 }),
      last.readableBytes >= 5,
      last.withUnsafeReadableBytes({ $0.prefix(5).elementsEqual(prefix) })
    else { return nil }
    return last
  }

  /// Shares a message an assembler finished (its prefix included), if it is large enough.
  func publish(_ message: ByteBuffer) {
    guard message.readableBytes - 5 >= Self.minimumLength else { return }
    last.withLock { $0 = message }
  }
}

import NIOCore
import Synchronization

/// Sizes each connection's socket read buffer from how many connections are open (the
/// server's accepted ones; ``LoadGenerator``'s own).
///
/// NIO grows a connection's read buffer while reads fill it and keeps the grown buffer (and
/// HTTP/2's frame decoder keeps a buffer of the same size) for the connection's life. Large
/// buffers make large transfers cheap — at K = 100 clients × 4 MB replies, reads of 256 KiB
/// instead of 16 KiB take a fifth off the server's time per round, the per-read cost of NIO's
/// pipeline and HTTP/2 parsing being most of it — but 10,000 connections keeping 256 KiB each
/// would hold 2.5 GB. A connection accepted while `n` are open, of `expected` clients, therefore
/// reads into at most `memory / max(n, expected)` bytes, between `minimum` and `maximum`: the
/// buffers of `expected` clients hold at most `memory` together. (Dividing by `n` alone would
/// let the first connections of a large federation take big buffers: their sum grows with the
/// harmonic series — at 10,000 clients and 64 MiB, about 300 MB.)
final class ReadBufferSizing: Sendable {
  let memory: Int
  let minimum: Int
  let maximum: Int
  let expected: Int
  private let open = Atomic<Int>(0)

  init(memory: Int, minimum: Int, maximum: Int, expected: Int) {
    self.expected = max(expected, 1)
    self.maximum = max(maximum, 64)
    self.minimum = min(max(minimum, 64), self.maximum)
    self.memory = max(memory, 0)
  }

  /// The read-buffer limit for a connection accepted while `open` connections (it included)
  /// are open: a power of two, as NIO rounds its allocator's maximum up to one (6.7 KiB would
  /// become 8 KiB, and HTTP/2's frame decoder keeps a buffer of the same size besides).
  func limit(open: Int) -> Int {
    let share = min(maximum, max(minimum, memory / max(open, expected)))
    return 1 << (Int.bitWidth - 1 - share.leadingZeroBitCount)
  }

  /// How many socket reads a connection makes per readiness event, for buffers of `limit`
  /// bytes. NIO keeps a pool of up to that many read buffers per connection (a new one is
  /// allocated, and kept, whenever the last is still referenced), so it is NIO's default of 4
  /// only while `expected` connections' 4 buffers fit in ``memory``, and down to 1 — at 10,000
  /// clients, four 8 KiB buffers each would be 320 MB.
  func readsPerEvent(limit: Int) -> UInt {
    UInt(min(4, max(1, memory / max(limit * expected, 1))))
  }

  /// Counts `connection` as open until it closes and returns its read-buffer allocator and how
  /// many reads it makes per readiness event (``readsPerEvent(limit:)``).
  func allocator(for connection: any Channel) -> (
    allocator: AdaptiveRecvByteBufferAllocator, readsPerEvent: UInt
  ) {
    let open = open.add(1, ordering: .relaxed).newValue
    connection.closeFuture.whenComplete { _ in self.open.subtract(1, ordering: .relaxed) }
    let limit = limit(open: open)
    return (
      AdaptiveRecvByteBufferAllocator(minimum: 64, initial: min(2048, limit), maximum: limit),
      readsPerEvent(limit: limit)
    )
  }
}

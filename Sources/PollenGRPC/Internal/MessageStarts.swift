import NIOCore

/// Follows the gRPC length-prefixed messages in a stream's DATA and reports, for each chunk,
/// the full size of the messages that begin in it (prefix included).
///
/// The ``ReceiveBudget`` is charged a message's whole size when its first bytes arrive, not
/// byte by byte: the budget then counts what the server is committed to hold, and a pause that
/// begins admits only as many messages as fit in it (charged byte by byte, ten thousand replies
/// whose first few KiB arrived together would all be admitted, and then all arrive whole).
struct MessageStarts {
  /// Bytes of the current message still to come.
  private var remaining = 0
  /// The prefix read so far when it is split across chunks.
  private var prefix: [UInt8] = []

  /// The sizes (5-byte prefix included) of the messages that start in `chunk`, summed.
  mutating func sizes(startingIn chunk: ByteBuffer) -> Int {
    var total = 0
    var index = chunk.readerIndex
    let end = chunk.writerIndex
    while index < end {
      if remaining > 0 {
        let n = min(remaining, end - index)
        remaining -= n
        index += n
        continue
      }
      let take = min(5 - prefix.count, end - index)
      prefix += chunk.getBytes(at: index, length: take) ?? []
      index += take
      guard prefix.count == 5 else { continue }
      let length = prefix[1...4].reduce(0) { $0 << 8 | Int($1) }
      prefix.removeAll(keepingCapacity: true)
      total += 5 + length
      remaining = length
    }
    return total
  }
}

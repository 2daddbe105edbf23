import NIOCore
import NIOHTTP2

/// Replaces placeholder messages in a stream's framed gRPC DATA with the buffers they stand for,
/// so that many streams can write one shared encoding without the gRPC framer copying it into
/// each stream's buffer (``StreamWriteGauge`` for the server's instructions,
/// ``LoadReplySplicer`` for the load generator's replies).
enum SplicedWrites {
  /// `buffer`'s gRPC length-prefixed messages, walked in order: each uncompressed message for
  /// which `replacement` (given the message's bytes after its prefix) returns parts is replaced
  /// by those parts (framing included); what lies between stays as it is, sliced, not copied.
  /// `nil` when `replacement` returned parts for none.
  static func expand(
    _ buffer: ByteBuffer, replacing replacement: (UnsafeRawBufferPointer) throws -> [ByteBuffer]?
  ) rethrows -> [ByteBuffer]? {
    var parts: [ByteBuffer] = []
    var plainStart = buffer.readerIndex
    var offset = buffer.readerIndex
    let end = buffer.writerIndex
    while end - offset >= 5,
      let (flag, length) = buffer.getMultipleIntegers(at: offset, as: (UInt8, UInt32).self),
      end - offset - 5 >= Int(length)
    {
      let next = offset + 5 + Int(length)
      if flag == 0,
        let replaced = try buffer.withUnsafeReadableBytes({ raw in
          try replacement(
            UnsafeRawBufferPointer(
              rebasing: raw[(offset + 5 - buffer.readerIndex)..<(next - buffer.readerIndex)]))
        })
      {
        if offset > plainStart, let plain = buffer.getSlice(at: plainStart, length: offset - plainStart) {
          parts.append(plain)
        }
        parts += replaced
        plainStart = next
      }
      offset = next
    }
    guard !parts.isEmpty else { return nil }
    if end > plainStart, let rest = buffer.getSlice(at: plainStart, length: end - plainStart) {
      parts.append(rest)
    }
    return parts
  }

  /// Writes `parts` as DATA frames in order, the last carrying `endStream` and `promise`.
  static func write(
    _ parts: [ByteBuffer], endStream: Bool, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?
  ) {
    for (index, part) in parts.enumerated() {
      let last = index == parts.count - 1
      let payload = HTTP2Frame.FramePayload.Data(data: .byteBuffer(part), endStream: last && endStream)
      context.write(NIOAny(HTTP2Frame.FramePayload.data(payload)), promise: last ? promise : nil)
    }
  }
}

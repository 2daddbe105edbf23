import GRPCCore
import PollenFlowerProto

/// What the server writes to one `Join` stream, and how the stream ends — filled by the
/// ``GRPCClientProxy`` (under its lock, so in order) and drained by the stream's handler.
struct Outbox: Sendable {
  private let messages: AsyncStream<OutboundServerMessage>
  private let messagesIn: AsyncStream<OutboundServerMessage>.Continuation
  private let ends: AsyncStream<SessionEnd>
  private let endsIn: AsyncStream<SessionEnd>.Continuation

  init() {
    (messages, messagesIn) = AsyncStream.makeStream()
    (ends, endsIn) = AsyncStream.makeStream()
  }

  /// Queues a message for the stream.
  func send(_ message: OutboundServerMessage) {
    messagesIn.yield(message)
  }

  /// Ends the stream; later messages and ends are ignored.
  func end(_ end: SessionEnd) {
    endsIn.yield(end)
    endsIn.finish()
    messagesIn.finish()
  }

  /// Writes queued messages to `writer` until the outbox ends or the task is cancelled.
  ///
  /// With the stream's `gauge` (its channel has a ``StreamWriteGaugeHandler``), a message with
  /// parameters is spliced: its pieces go to the gauge and the writer gets the placeholder
  /// (see ``OutboundServerMessage``). With `pacing`, such a message first takes its size from
  /// the server's ``SendBudget`` and gives it back once the gauge reports it written to the
  /// socket (or the budget's lease ends), so at most the budget's bytes of instructions wait in
  /// the transport's queues at once, however many clients there are.
  func drain(
    into writer: RPCWriter<ServerMessageWrite>, gauge: StreamWriteGauge? = nil, pacing: SendPacing? = nil
  ) async throws {
    for await outbound in messages {
      let bytes = outbound.parameterBytes
      let write: ServerMessageWrite
      if let gauge, let spliced = outbound.spliced {
        gauge.queue(spliced)
        write = .spliced
      } else {
        write = .message(outbound.message)
      }
      guard let pacing, bytes > 0 else {
        try await writer.write(write)
        continue
      }
      guard await pacing.budget.acquire(bytes) else { return }
      defer { pacing.budget.release(bytes) }
      let mark = pacing.gauge.mark
      try await writer.write(write)
      await pacing.waitUntilWritten(after: mark)
    }
  }

  /// Waits for the end of the stream: returns for a clean end (or when cancelled), throws the
  /// status to send for an abort.
  func waitForEnd() async throws {
    for await end in ends {
      switch end {
      case .finish:
        return
      case .abort(.deadlineExceeded(let message)):
        throw RPCError(code: .deadlineExceeded, message: message)
      case .abort(.protocolViolation(let message)):
        throw RPCError(code: .failedPrecondition, message: message)
      case .abort(.invalidStream(let message)):
        throw RPCError(code: .invalidArgument, message: message)
      case .abort(.shuttingDown):
        throw RPCError(code: .unavailable, message: "server is shutting down")
      }
    }
  }
}

/// A stream's share in the server's send budget: the budget and the stream's write gauge.
struct SendPacing: Sendable {
  let budget: SendBudget
  let gauge: StreamWriteGauge

  /// Waits until the write after `mark` has left the process, or for the budget's lease.
  func waitUntilWritten(after mark: Int) async {
    await gauge.waitUntilWritten(after: mark, limit: budget.lease)
  }
}

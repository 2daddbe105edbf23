import GRPCCore

/// What the server writes to one `Join` stream, and how the stream ends — filled by the
/// ``GRPCClientProxy`` (under its lock, so in order) and drained by the stream's handler.
struct Outbox: Sendable {
  private let messages: AsyncStream<Flwr_Proto_ServerMessage>
  private let messagesIn: AsyncStream<Flwr_Proto_ServerMessage>.Continuation
  private let ends: AsyncStream<SessionEnd>
  private let endsIn: AsyncStream<SessionEnd>.Continuation

  init() {
    (messages, messagesIn) = AsyncStream.makeStream()
    (ends, endsIn) = AsyncStream.makeStream()
  }

  /// Queues a message for the stream.
  func send(_ message: Flwr_Proto_ServerMessage) {
    messagesIn.yield(message)
  }

  /// Ends the stream; later messages and ends are ignored.
  func end(_ end: SessionEnd) {
    endsIn.yield(end)
    endsIn.finish()
    messagesIn.finish()
  }

  /// Writes queued messages to `writer` until the outbox ends or the task is cancelled.
  func drain(into writer: RPCWriter<Flwr_Proto_ServerMessage>) async throws {
    for await message in messages {
      try await writer.write(message)
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

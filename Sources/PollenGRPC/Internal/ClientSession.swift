import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import PollenClient
import PollenCore
import PollenFlowerProto
import Synchronization

/// One connection of a client to a server: opens `Join`, answers instructions with a
/// ``ClientDispatcher`` until `ReconnectIns`, a failure, or the end of the stream.
struct ClientSession: Sendable {
  /// How a session ended.
  enum Outcome: Sendable {
    /// The server sent `ReconnectIns`: stop, or join again after the delay.
    case disconnect(reconnectAfter: Duration?)
    /// The connection failed or the stream ended; `exchanges` instructions were answered first.
    case failed(PollenError, exchanges: Int)
    /// The client threw while answering; the stream was ended.
    case clientError(PollenError, exchanges: Int)
  }

  let address: ServerAddress
  let dispatcher: ClientDispatcher
  let config: FlowerGRPCClient.Config
  let logger: Logger

  func run() async -> Outcome {
    let decided = Mutex<Outcome?>(nil)
    do {
      let transport = try makeTransport()
      try await withGRPCClient(transport: transport) { grpc in
        let service = Flwr_Proto_FlowerService.Client(wrapping: grpc)
        let (outbox, outboxIn) = AsyncStream<Flwr_Proto_ClientMessage>.makeStream()
        var options = CallOptions.defaults
        options.waitForReady = false
        // nio-transport 2.9.2 limits incoming messages by maxRequestMessageBytes: set both.
        options.maxRequestMessageBytes = config.maxMessageSize
        options.maxResponseMessageBytes = config.maxMessageSize
        let metadata = try config.nodeKey.map { try NodeAuth.metadata(signedBy: $0) } ?? [:]
        try await service.join(
          metadata: metadata, options: options,
          requestProducer: { writer in
            for await message in outbox { try await writer.write(message) }
          },
          onResponse: { response in
            defer { outboxIn.finish() }
            let outcome = await answer(response.messages, outbox: outboxIn)
            decided.withLock { $0 = outcome }
          })
      }
    } catch {
      if let outcome = decided.withLock({ $0 }) {
        // The call failed after the conversation ended (Flower's server cancels all calls
        // right after ReconnectIns): the outcome stands.
        logger.debug("stream ended after the session's outcome was decided: \(error)")
        return outcome
      }
      return .failed(
        PollenError(.disconnected, "connection to \(address) failed: \(error)", cause: error), exchanges: 0)
    }
    return decided.withLock { $0 }
      ?? .failed(PollenError(.disconnected, "stream to \(address) ended"), exchanges: 0)
  }

  /// Answers the server's messages until the conversation ends.
  private func answer(
    _ messages: RPCAsyncSequence<Flwr_Proto_ServerMessage, any Error>,
    outbox: AsyncStream<Flwr_Proto_ClientMessage>.Continuation
  ) async -> Outcome {
    var exchanges = 0
    var iterator = messages.makeAsyncIterator()
    do {
      while let message = try await iterator.next() {
        let instruction: Instruction
        do {
          instruction = try Instruction(proto: message)
        } catch {
          let failure = PollenError(error, default: .invalidMessage)
          logger.error("cannot decode the server's message, leaving: \(failure)")
          return .failed(failure, exchanges: exchanges)
        }
        logger.info("received \(instruction.name)")
        let dispatch: ClientDispatcher.Dispatch
        do {
          dispatch = try await dispatcher.handle(instruction)
        } catch {
          let failure = PollenError(
            .clientFailed, "client raised an error on \(instruction.name): \(error)", cause: error)
          logger.error("\(failure.message); ending the stream")
          return .clientError(failure, exchanges: exchanges)
        }
        outbox.yield(Flwr_Proto_ClientMessage(dispatch.reply))
        exchanges += 1
        if case .disconnect(let after) = dispatch.next {
          // Half-close, then give the reply a moment to leave before the call is torn down.
          outbox.finish()
          await Self.waitForEnd(of: iterator, within: .seconds(2))
          return .disconnect(reconnectAfter: after)
        }
      }
      return .failed(PollenError(.disconnected, "server \(address) closed the stream"), exchanges: exchanges)
    } catch {
      return .failed(
        PollenError(.disconnected, "stream to \(address) failed: \(error)", cause: error),
        exchanges: exchanges)
    }
  }

  /// Reads until the server ends the stream, for at most `limit`.
  private static func waitForEnd(
    of iterator: RPCAsyncSequence<Flwr_Proto_ServerMessage, any Error>.AsyncIterator, within limit: Duration
  ) async {
    let box = IteratorBox(iterator)
    _ = try? await withTimeout(limit) {
      while try await box.iterator.next() != nil {}
    }
  }

  private func makeTransport() throws -> HTTP2ClientTransport.Posix {
    return try HTTP2ClientTransport.Posix(
      target: address.resolvableTarget,
      transportSecurity: .flower(config.tls),
      config: .defaults { transport in
        transport.http2.targetWindowSize = max(config.targetWindowSize, 65_535)
        transport.connection.maxIdleTime = config.maxIdleTime
        transport.connection.keepalive = config.keepalive.map {
          HTTP2ClientTransport.Config.Keepalive(time: $0.time, timeout: $0.timeout, allowWithoutCalls: false)
        }
      })
  }
}

/// Hands an iterator to the one child task that reads it while its owner waits.
private final class IteratorBox: @unchecked Sendable {
  var iterator: RPCAsyncSequence<Flwr_Proto_ServerMessage, any Error>.AsyncIterator
  init(_ iterator: RPCAsyncSequence<Flwr_Proto_ServerMessage, any Error>.AsyncIterator) {
    self.iterator = iterator
  }
}

extension Instruction {
  /// Flower's name of the instruction, e.g. `fit_ins`.
  var name: String { expectedReply.request }
}

import Logging
import PollenClient
import PollenCore
import PollenServer
import Synchronization

/// The server's handle on one client connected over gRPC (one `Join` stream).
///
/// Each call sends one instruction and waits for exactly one reply; concurrent calls are sent
/// one after another. A call that is cancelled or exceeds its `timeout` after its instruction
/// was sent drops the client: its stream ends with DEADLINE_EXCEEDED, it is unregistered, and
/// the call throws ``PollenError/Code-swift.struct/timeout``. A reply of the wrong kind or with an
/// undecodable tensor fails that call only; a stream that ends mid-call fails it with
/// ``PollenError/Code-swift.struct/disconnected``.
public final class GRPCClientProxy: ClientProxy {
  /// A fresh random id per connection (a UUID as 32 hex digits, like Flower's).
  public let cid: String
  /// The peer's address as gRPC reports it, e.g. `ipv4:127.0.0.1:36986`.
  public let peer: String

  typealias Machine = SessionStateMachine<Flwr_Proto_ServerMessage, Flwr_Proto_ClientMessage, Waiter>
  typealias Waiter = CheckedContinuation<Flwr_Proto_ClientMessage?, any Error>

  private let machine: Mutex<Machine>
  private let outbox: Outbox
  private let clientManager: any ClientManager
  private let logger: Logger

  init(cid: String, peer: String, outbox: Outbox, clientManager: any ClientManager, logger: Logger) {
    self.cid = cid
    self.peer = peer
    self.machine = Mutex(Machine(name: cid))
    self.outbox = outbox
    self.clientManager = clientManager
    var logger = logger
    logger[metadataKey: "cid"] = "\(cid)"
    self.logger = logger
  }

  public func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    guard case .getProperties(let res) = try await exchange(.getProperties(ins), timeout: timeout) else {
      preconditionFailure("reply kind checked by exchange")
    }
    return res
  }

  public func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    guard case .getParameters(let res) = try await exchange(.getParameters(ins), timeout: timeout) else {
      preconditionFailure("reply kind checked by exchange")
    }
    return res
  }

  public func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes {
    guard case .fit(let res) = try await exchange(.fit(ins), timeout: timeout) else {
      preconditionFailure("reply kind checked by exchange")
    }
    return res
  }

  public func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes {
    guard case .evaluate(let res) = try await exchange(.evaluate(ins), timeout: timeout) else {
      preconditionFailure("reply kind checked by exchange")
    }
    return res
  }

  /// Sends `ReconnectIns`. The client's `DisconnectRes` is returned; a stream that ends or is
  /// reset instead (Flower's client closes right after queueing its reply) is a clean
  /// disconnect, returned as `DisconnectRes(reason: .unknown)`.
  public func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes {
    guard let reply = try await exchange(.reconnect(ins), timeout: timeout) else {
      return DisconnectRes(reason: .unknown)
    }
    guard case .disconnect(let res) = reply else { preconditionFailure("reply kind checked by exchange") }
    return res
  }

  /// Sends `instruction`, waits for the reply and decodes it; `nil` when the stream ended
  /// cleanly after `ReconnectIns`.
  private func exchange(_ instruction: Instruction, timeout: Duration?) async throws -> Reply? {
    let expected = instruction.expectedReply
    let message = Flwr_Proto_ServerMessage(instruction)
    let received: Flwr_Proto_ClientMessage?
    do {
      received = try await withTimeout(timeout) { try await self.call(message, expecting: expected) }
    } catch {
      let failure = PollenError(error, default: .disconnected)
      logger.warning("\(expected.request) failed: \(failure)")
      if failure.code == .timeout || isClosed { await clientManager.unregister(self) }
      throw failure
    }
    guard let received else {
      logger.debug("stream ended after reconnect_ins: clean disconnect")
      return nil
    }
    guard received.replyKind == expected else {
      let got = received.replyKind.map { "\($0)" } ?? "an empty message"
      let failure = PollenError(.invalidMessage, "expected \(expected) from client \(cid), got \(got)")
      logger.warning("\(failure)")
      throw failure
    }
    do {
      return try Reply(proto: received)
    } catch {
      let failure = PollenError(error, default: .invalidMessage)
      logger.warning("\(expected) of client \(cid) rejected: \(failure)")
      throw failure
    }
  }

  /// Enqueues the message and waits for the matching reply (see ``SessionStateMachine``).
  private func call(_ message: Flwr_Proto_ServerMessage, expecting expected: Reply.Kind) async throws
    -> Flwr_Proto_ClientMessage?
  {
    let id = machine.withLock { $0.nextID() }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (waiter: Waiter) in
        let call = Machine.Call(id: id, expected: expected, outbound: message, waiter: waiter)
        apply { $0.enqueue(call) }
      }
    } onCancel: {
      apply { $0.cancel(id: id) }
    }
  }

  // MARK: Events from the stream handler

  /// A message arrived on the stream.
  func received(_ message: Flwr_Proto_ClientMessage) {
    apply { $0.received(message, kind: message.replyKind) }
  }

  /// The inbound stream ended (`nil`) or failed.
  func streamEnded(error: (any Error)?) {
    apply { $0.streamEnded(error: error) }
  }

  /// The server shuts down: fails pending calls and ends the stream.
  func shutdown() {
    apply { $0.shutdown() }
  }

  /// Whether the stream has ended (the client is gone or was dropped).
  var isClosed: Bool { machine.withLock { $0.isClosed } }

  /// Runs an event under the lock, writes to the outbox in order (under the lock), then
  /// resumes waiters outside it.
  private func apply(_ event: (inout Machine) -> [Machine.Action]) {
    let resumptions: [Machine.Action] = machine.withLock { state in
      let actions = event(&state)
      for action in actions {
        switch action {
        case .write(let message): outbox.send(message)
        case .end(let end): outbox.end(end)
        case .succeed, .fail: break
        }
      }
      return actions
    }
    for action in resumptions {
      switch action {
      case .succeed(let waiter, let message): waiter.resume(returning: message)
      case .fail(let waiter, let error): waiter.resume(throwing: error)
      case .write, .end: break
      }
    }
  }
}

extension PollenError {
  /// `error` as a ``PollenError``; cancellation reads as a timeout, anything else gets `code`.
  init(_ error: any Error, default code: Code) {
    if let error = error as? PollenError {
      self = error
    } else if error is CancellationError {
      self = PollenError(.timeout, "call cancelled")
    } else {
      self = PollenError(code, "\(error)", cause: error)
    }
  }
}

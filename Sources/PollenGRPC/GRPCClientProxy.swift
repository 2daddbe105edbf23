import Dispatch
import Logging
import PollenClient
import PollenCore
import PollenFlowerProto
import PollenServer
import Synchronization

/// The server's handle on one client connected over gRPC (one `Join` stream).
///
/// Each call sends one instruction and waits for exactly one reply; concurrent calls are sent
/// one after another. A call that is cancelled or exceeds its `timeout` after its instruction
/// was sent throws `PollenError/Code-swift.struct/timeout` but keeps the client: Flower's
/// protocol cannot cancel an instruction, so the client is not ``isAvailable`` until its late
/// reply arrives, which is then discarded (logged as stale) before the next instruction is sent.
/// A client that sends nothing for the grace period after such a timeout is dropped: its stream
/// ends with DEADLINE_EXCEEDED and it is unregistered. A reply of the wrong kind or with an
/// undecodable tensor fails that call only; a stream that ends mid-call fails it with
/// `PollenError/Code-swift.struct/disconnected`. See `SessionStateMachine`.
public final class GRPCClientProxy: ClientProxy {
  /// A fresh random id per connection (a UUID as 32 hex digits, like Flower's).
  public let cid: String
  /// The peer's address as gRPC reports it, e.g. `ipv4:127.0.0.1:36986`.
  public let peer: String
  /// Each call's `timeout` bounds the wait for the client's reply (and only that).
  public var enforcesTimeouts: Bool { true }

  typealias Machine = SessionStateMachine<OutboundServerMessage, ClientMessageBytes, Waiter>
  typealias Waiter = CheckedContinuation<ClientMessageBytes?, any Error>

  private let machine: Mutex<Machine>
  private let outbox: Outbox
  private let clientManager: any ClientManager
  private let logger: Logger
  /// How long a late reply is awaited before the client is dropped.
  let gracePeriod: Duration
  /// A timer per late call that ends its grace period (rare, so a task each rather than one
  /// supervising task per stream); cancelled when the stream ends.
  private let graceTimers = Mutex<GraceTimers>(GraceTimers())

  private struct GraceTimers {
    var tasks: [UInt64: Task<Void, Never>] = [:]
    var ended = false
  }

  /// Called once when the client misbehaves (see ``exchange(_:timeout:)``); `nil`: such a reply
  /// fails its call only and the client stays.
  private let onMisbehavior: (@Sendable (_ reason: String) -> Void)?

  init(
    cid: String, peer: String, outbox: Outbox, clientManager: any ClientManager, gracePeriod: Duration,
    logger: Logger, onMisbehavior: (@Sendable (_ reason: String) -> Void)? = nil
  ) {
    self.onMisbehavior = onMisbehavior
    self.cid = cid
    self.peer = peer
    self.machine = Mutex(Machine(name: cid))
    self.outbox = outbox
    self.clientManager = clientManager
    self.gracePeriod = gracePeriod
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
    let message = OutboundServerMessage(instruction)
    let started = ContinuousClock.now
    let received: ClientMessageBytes?
    do {
      received = try await call(message, expecting: expected, timeout: timeout)
    } catch {
      let failure = PollenError(error, default: .disconnected)
      logger.warning("\(expected.request) failed: \(failure)")
      if isClosed { await clientManager.unregister(self) }
      throw failure
    }
    guard let received else {
      logger.debug("stream ended after reconnect_ins: clean disconnect")
      return nil
    }
    guard received.kind == expected else {
      let got = received.kind.map { "\($0)" } ?? "an empty message"
      throw await misbehaved(
        PollenError(.invalidMessage, "expected \(expected) from client \(cid), got \(got)"))
    }
    logger.debug(
      "\(expected) reply from client \(cid) at \(peer): \(received.count) bytes, \(((ContinuousClock.now - started).inSeconds * 10_000).rounded() / 10_000) s after its instruction was queued"
    )
    let limit = Self.replyLimit(for: message)
    guard received.count <= limit else {
      throw await misbehaved(
        PollenError(
          .invalidMessage,
          "\(expected) of client \(cid) is \(received.count) bytes, more than the \(limit) a reply to this instruction may be"
        ))
    }
    // A fit result is decoded only with a slot of the round's budget (see UpdateBudget).
    if expected == .fit { await UpdateLease.current?.acquire() }
    do {
      return try Reply(proto: received.decode())
    } catch {
      let failure = PollenError(error, default: .invalidMessage)
      throw await misbehaved(
        PollenError(failure.code, "\(expected) of client \(cid) rejected: \(failure.message)"))
    }
  }

  /// The largest reply accepted for `instruction`: a fit result twice the parameters sent (a
  /// float32 model may come back as float64) plus 16 MiB for metrics; 16 MiB for the rest; the
  /// transport's limit for `get_parameters` (the model's size is not known yet).
  static func replyLimit(for message: OutboundServerMessage) -> Int {
    switch message.instruction {
    case .fit: 2 * message.parameterBytes + (16 << 20)
    case .getParameters: Int.max
    default: 16 << 20
    }
  }

  /// Logs a reply the client should not have sent; with an ``onMisbehavior`` handler the client
  /// is dropped (its stream ends with FAILED_PRECONDITION) and the handler told why.
  private func misbehaved(_ failure: PollenError) async -> PollenError {
    logger.warning("\(failure)")
    guard let onMisbehavior else { return failure }
    apply { $0.drop(failure.message) }
    onMisbehavior(failure.message)
    await clientManager.unregister(self)
    return failure
  }

  /// Enqueues the message and waits for the matching reply (see ``SessionStateMachine``); after
  /// `timeout`, or when the task is cancelled, the call fails with a timeout (a late one keeps
  /// the client for its grace period).
  ///
  /// The timeout is a dispatch timer, not a task racing the call: at 10,000 clients a round's
  /// calls would otherwise keep 20,000 more tasks, and their stacks, alive.
  private func call(_ message: OutboundServerMessage, expecting expected: Reply.Kind, timeout: Duration?)
    async throws -> ClientMessageBytes?
  {
    let id = machine.withLock { $0.nextID() }
    let timer = timeout.map { timeout in
      let expire = DispatchWorkItem { [weak self] in self?.apply { $0.cancel(id: id) } }
      let nanoseconds = Int(min(max(timeout.inSeconds, 0), 1e9) * 1e9)
      DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds), execute: expire)
      return expire
    }
    defer { timer?.cancel() }
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

  /// A message arrived on the stream. When it was the late reply the client owed, the client
  /// manager learns that the client is available again.
  func received(_ message: ClientMessageBytes) async {
    if apply({ $0.received(message, kind: message.kind) }) {
      await clientManager.availabilityChanged(of: self)
    }
  }

  /// Starts the grace period of late call `id`: a client still silent at its end is dropped.
  private func startGraceTimer(id: UInt64) {
    let deadline = ContinuousClock.now.advanced(by: gracePeriod)
    graceTimers.withLock { timers in
      guard !timers.ended else { return }
      timers.tasks[id] = Task { [weak self] in
        do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return }
        guard let self else { return }
        self.graceTimers.withLock { _ = $0.tasks.removeValue(forKey: id) }
        self.apply { $0.graceExpired(id: id) }
      }
    }
  }

  /// Cancels the grace timers once the stream has ended.
  private func cancelGraceTimers() {
    let tasks = graceTimers.withLock { timers in
      timers.ended = true
      defer { timers.tasks = [:] }
      return Array(timers.tasks.values)
    }
    for task in tasks { task.cancel() }
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

  /// Whether the client may be sampled: connected, and owing no late reply.
  public var isAvailable: Bool { machine.withLock { $0.isAvailable } }

  /// Runs an event under the lock, writes to the outbox and starts grace periods in order
  /// (under the lock), then resumes waiters and logs outside it. Returns whether the client
  /// became available again.
  @discardableResult
  private func apply(_ event: (inout Machine) -> [Machine.Action]) -> Bool {
    let actions: [Machine.Action] = machine.withLock { state in
      let actions = event(&state)
      for action in actions {
        switch action {
        case .write(let message): outbox.send(message)
        case .end(let end): outbox.end(end)
        case .startGrace, .succeed, .fail, .discardedStale, .available: break
        }
      }
      return actions
    }
    var available = false
    for action in actions {
      switch action {
      case .succeed(let waiter, let message): waiter.resume(returning: message)
      case .fail(let waiter, let error): waiter.resume(throwing: error)
      case .startGrace(let id):
        startGraceTimer(id: id)
        logger.info("client \(cid) keeps its stream; its late reply is awaited for up to \(gracePeriod)")
      case .discardedStale(let kind, let late):
        let what = kind.map { "\($0)" } ?? "an empty message"
        logger.warning(
          "discarding stale \(what) from client \(cid): it answers a \(late.expected.request) that timed out")
      case .end(let end):
        cancelGraceTimers()
        if case .abort(.deadlineExceeded(let why)) = end {
          logger.warning("dropping client \(cid): \(why) (\(gracePeriod))")
        }
      case .available: available = true
      case .write: break
      }
    }
    return available
  }
}

extension PollenError {
  /// `error` as a `PollenError`; cancellation reads as a timeout, anything else gets `code`.
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

import PollenClient
import PollenCore

/// The server side of one `Join` stream, as a pure state machine: at most one instruction in
/// flight, later calls queued in order, replies matched to the call in flight, and every way a
/// stream can end (reply to `ReconnectIns`, peer gone, stream garbage, timeout, shutdown).
///
/// Events return actions; the owner performs them (writes to the stream's outbox, resumes
/// waiters). `Outbound` is what is written to the stream, `Inbound` what is read from it and
/// `Waiter` the caller waiting for a reply — generic so tests can drive the machine with plain
/// values.
///
/// States and their legal transitions:
/// - `open(inFlight: nil, queue: [])` → `open(inFlight: call, …)` when a call is enqueued.
/// - `open(inFlight: call, queue)` → `open(next from queue)` on a reply; → `closed` when the
///   reply answers `ReconnectIns`, the call is cancelled (client dropped), the stream ends or
///   errs, or the server shuts down.
/// - `closed` is final: new calls fail at once, events are ignored.
struct SessionStateMachine<Outbound, Inbound, Waiter> {
  /// A call waiting for its reply.
  struct Call {
    var id: UInt64
    var expected: Reply.Kind
    var outbound: Outbound
    var waiter: Waiter
  }

  enum Action {
    /// Write this message to the stream.
    case write(Outbound)
    /// End the stream.
    case end(SessionEnd)
    /// Resume a waiter with the message read (or `nil`: the stream ended cleanly after
    /// `ReconnectIns`).
    case succeed(Waiter, Inbound?)
    /// Resume a waiter with an error.
    case fail(Waiter, PollenError)
  }

  private enum State {
    case open(inFlight: Call?, queue: [Call])
    case closed(reason: PollenError)
  }

  private var state: State = .open(inFlight: nil, queue: [])
  private var lastID: UInt64 = 0
  /// Calls cancelled before they were enqueued (cancellation raced ahead of the call).
  private var cancelledEarly: Set<UInt64> = []
  /// A name for messages (the client's id).
  let name: String

  init(name: String) { self.name = name }

  /// A fresh call id.
  mutating func nextID() -> UInt64 {
    lastID += 1
    return lastID
  }

  /// Whether the session has ended.
  var isClosed: Bool {
    if case .closed = state { return true }
    return false
  }

  /// A caller wants to send `call.outbound` and wait for a reply of kind `call.expected`.
  mutating func enqueue(_ call: Call) -> [Action] {
    if cancelledEarly.remove(call.id) != nil {
      return [
        .fail(call.waiter, PollenError(.timeout, "call to client \(name) cancelled before it was sent"))
      ]
    }
    switch state {
    case .closed(let reason):
      return [.fail(call.waiter, reason)]
    case .open(nil, let queue):
      state = .open(inFlight: call, queue: queue)
      return [.write(call.outbound)]
    case .open(let inFlight?, var queue):
      queue.append(call)
      state = .open(inFlight: inFlight, queue: queue)
      return []
    }
  }

  /// The caller of call `id` was cancelled (its time limit passed, or the server's round timeout
  /// cancelled it). A call already sent drops the client: the stream ends with
  /// DEADLINE_EXCEEDED. A queued call just leaves the queue.
  mutating func cancel(id: UInt64) -> [Action] {
    switch state {
    case .closed:
      return []
    case .open(let inFlight?, let queue) where inFlight.id == id:
      let reason = PollenError(
        .timeout, "client \(name) did not reply to \(inFlight.expected.request) in time; dropped")
      state = .closed(reason: PollenError(.disconnected, "client \(name) was dropped after a timeout"))
      return [.fail(inFlight.waiter, reason)] + failAll(queue, with: reason)
        + [.end(.abort(.deadlineExceeded("no reply to \(inFlight.expected.request) in time")))]
    case .open(let inFlight, var queue):
      guard let index = queue.firstIndex(where: { $0.id == id }) else {
        cancelledEarly.insert(id)
        return []
      }
      let call = queue.remove(at: index)
      state = .open(inFlight: inFlight, queue: queue)
      return [
        .fail(call.waiter, PollenError(.timeout, "call to client \(name) cancelled before it was sent"))
      ]
    }
  }

  /// A message of kind `kind` (`nil`: none set) arrived on the stream.
  mutating func received(_ message: Inbound, kind: Reply.Kind?) -> [Action] {
    switch state {
    case .closed:
      return []
    case .open(nil, let queue):
      let what = kind.map { "\($0)" } ?? "an empty message"
      let reason = PollenError(.invalidMessage, "client \(name) sent \(what) with no instruction pending")
      state = .closed(reason: reason)
      return failAll(queue, with: reason) + [
        .end(.abort(.protocolViolation("unexpected \(what): no instruction pending")))
      ]
    case .open(let call?, var queue):
      var actions: [Action] = [.succeed(call.waiter, message)]
      if call.expected == .disconnect {
        let reason = PollenError(.disconnected, "client \(name) disconnected after ReconnectIns")
        state = .closed(reason: reason)
        return actions + failAll(queue, with: reason) + [.end(.finish)]
      }
      if queue.isEmpty {
        state = .open(inFlight: nil, queue: [])
      } else {
        let next = queue.removeFirst()
        state = .open(inFlight: next, queue: queue)
        actions.append(.write(next.outbound))
      }
      return actions
    }
  }

  /// The inbound stream ended: the peer closed it (`error == nil`), reset it, or sent bytes that
  /// do not decode. After `ReconnectIns` any end is the clean end of the conversation.
  mutating func streamEnded(error: (any Error)?) -> [Action] {
    guard case .open(let inFlight, let queue) = state else { return [] }
    let how = error.map { "failed (\($0))" } ?? "was closed by the client"
    let reason = PollenError(.disconnected, "stream of client \(name) \(how)", cause: nil)
    state = .closed(reason: reason)
    var actions: [Action] = []
    if let inFlight {
      if inFlight.expected == .disconnect {
        actions.append(.succeed(inFlight.waiter, nil))
      } else {
        let message = "stream of client \(name) \(how) while waiting for \(inFlight.expected)"
        actions.append(.fail(inFlight.waiter, PollenError(.disconnected, message)))
      }
    }
    actions += failAll(queue, with: reason)
    if let error, inFlight?.expected != .disconnect {
      actions.append(.end(.abort(.invalidStream("\(error)"))))
    } else {
      actions.append(.end(.finish))
    }
    return actions
  }

  /// The server is shutting down: fail every call and end the stream (UNAVAILABLE).
  mutating func shutdown() -> [Action] {
    guard case .open(let inFlight, let queue) = state else { return [] }
    let reason = PollenError(.disconnected, "server is shutting down")
    state = .closed(reason: reason)
    let calls = (inFlight.map { [$0] } ?? []) + queue
    return failAll(calls, with: reason) + [.end(.abort(.shuttingDown))]
  }

  private func failAll(_ calls: [Call], with reason: PollenError) -> [Action] {
    calls.map { .fail($0.waiter, reason) }
  }
}

/// How the server ends a `Join` stream.
enum SessionEnd: Equatable, Sendable {
  /// End the RPC with status OK.
  case finish
  /// End the RPC with an error status (e.g. DEADLINE_EXCEEDED for a dropped client).
  case abort(SessionAbort)
}

/// Why the server ends a stream with an error status.
enum SessionAbort: Equatable, Sendable {
  /// The client did not reply in time and is dropped (DEADLINE_EXCEEDED).
  case deadlineExceeded(String)
  /// The client broke the conversation's rules (FAILED_PRECONDITION).
  case protocolViolation(String)
  /// The inbound stream failed or carried bytes that do not decode (INVALID_ARGUMENT).
  case invalidStream(String)
  /// The server is shutting down (UNAVAILABLE).
  case shuttingDown
}

extension Reply.Kind {
  /// The instruction this reply answers, named as on Flower's wire (e.g. `fit_ins`).
  var request: String {
    switch self {
    case .getProperties: return "get_properties_ins"
    case .getParameters: return "get_parameters_ins"
    case .fit: return "fit_ins"
    case .evaluate: return "evaluate_ins"
    case .disconnect: return "reconnect_ins"
    }
  }
}

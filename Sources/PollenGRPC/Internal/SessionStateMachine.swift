import PollenClient
import PollenCore

/// The server side of one `Join` stream, as a pure state machine: at most one instruction in
/// flight, later calls queued in order, replies matched to the call in flight, late replies
/// discarded, and every way a stream can end (reply to `ReconnectIns`, peer gone, stream
/// garbage, no reply within the grace period, shutdown).
///
/// Events return actions; the owner performs them (writes to the stream's outbox, resumes
/// waiters, starts grace timers, tells the client manager). `Outbound` is what is written to the
/// stream, `Inbound` what is read from it and `Waiter` the caller waiting for a reply — generic
/// so tests can drive the machine with plain values.
///
/// Flower's protocol has no way to cancel an instruction: a client that misses the round
/// timeout is still working on it and will send its reply later, in order. So a timed-out call
/// fails its caller at once but keeps the stream: the session waits for the late reply,
/// discards it, and only then sends the next instruction. Until then the client is not
/// available for sampling (``isAvailable``). A client that sends nothing for the whole grace
/// period is dropped.
///
/// States and their legal transitions:
/// - `open(inFlight: nil, queue: [])` → `open(inFlight: call, …)` when a call is enqueued.
/// - `open(inFlight: call, queue)` → `open(next from queue)` on a reply; → `late(call)` when
///   the caller gives up (timeout or cancellation); → `closed` when the reply answers
///   `ReconnectIns`, the stream ends or errs, or the server shuts down.
/// - `late(call, queue)` (new calls are queued) → `open(next from queue)` when the late reply
///   arrives (it is discarded; the client is available again); → `closed` when the grace
///   period of that call ends without a reply (the stream ends with DEADLINE_EXCEEDED), the late
///   call was `ReconnectIns` and its reply arrives, the stream ends or errs, or the server shuts
///   down.
/// - `closed` is final: new calls fail at once, events are ignored.
struct SessionStateMachine<Outbound, Inbound, Waiter> {
  /// A call waiting for its reply.
  struct Call {
    var id: UInt64
    var expected: Reply.Kind
    var outbound: Outbound
    var waiter: Waiter
  }

  /// A call whose caller gave up; its reply is still due.
  struct Late: Equatable {
    var id: UInt64
    var expected: Reply.Kind
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
    /// The call `id` is late: start its grace period, and report ``graceExpired(id:)`` when it
    /// ends.
    case startGrace(id: UInt64)
    /// A late reply (of kind `kind`, `nil`: none set) to `late` arrived and was discarded.
    case discardedStale(kind: Reply.Kind?, late: Late)
    /// The client is available for sampling again (tell the client manager).
    case available
  }

  private enum State {
    case open(inFlight: Call?, queue: [Call])
    case late(Late, queue: [Call])
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

  /// Whether the client may be sampled: the session is open and owes no late reply.
  var isAvailable: Bool {
    if case .open = state { return true }
    return false
  }

  /// The call whose late reply is awaited, if any.
  var late: Late? {
    if case .late(let late, _) = state { return late }
    return nil
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
    case .late(let late, var queue):
      queue.append(call)
      state = .late(late, queue: queue)
      return []
    }
  }

  /// The caller of call `id` was cancelled (its time limit passed, or the server's round timeout
  /// cancelled it). A call already sent fails its caller with a timeout and becomes late: the
  /// client keeps its stream, and its grace period starts. A queued call just leaves the queue.
  mutating func cancel(id: UInt64) -> [Action] {
    switch state {
    case .closed:
      return []
    case .open(let inFlight?, let queue) where inFlight.id == id:
      let reason = PollenError(
        .timeout,
        "client \(name) did not reply to \(inFlight.expected.request) in time; its late reply will be discarded"
      )
      state = .late(Late(id: id, expected: inFlight.expected), queue: queue)
      return [.fail(inFlight.waiter, reason), .startGrace(id: id)]
    case .late(let late, _) where late.id == id:
      return []
    case .open(let inFlight, var queue):
      guard let call = Self.remove(id, from: &queue) else {
        cancelledEarly.insert(id)
        return []
      }
      state = .open(inFlight: inFlight, queue: queue)
      return [.fail(call.waiter, Self.cancelledBeforeSent(name))]
    case .late(let late, var queue):
      guard let call = Self.remove(id, from: &queue) else {
        cancelledEarly.insert(id)
        return []
      }
      state = .late(late, queue: queue)
      return [.fail(call.waiter, Self.cancelledBeforeSent(name))]
    }
  }

  /// The grace period of late call `id` ended. If its reply is still missing, the client is
  /// dropped: every queued call fails and the stream ends with DEADLINE_EXCEEDED. Otherwise
  /// (the reply came, or the session ended) nothing happens.
  mutating func graceExpired(id: UInt64) -> [Action] {
    guard case .late(let late, let queue) = state, late.id == id else { return [] }
    let reason = PollenError(
      .disconnected,
      "client \(name) was dropped: no reply to \(late.expected.request) within the grace period")
    state = .closed(reason: reason)
    return failAll(queue, with: reason) + [
      .end(.abort(.deadlineExceeded("no reply to \(late.expected.request) within the grace period")))
    ]
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
    case .open(let call?, let queue):
      let actions: [Action] = [.succeed(call.waiter, message)]
      if call.expected == .disconnect { return actions + closeAfterReconnect(queue) }
      return actions + sendNext(from: queue)
    case .late(let late, let queue):
      let actions: [Action] = [.discardedStale(kind: kind, late: late)]
      if late.expected == .disconnect { return actions + closeAfterReconnect(queue) }
      return actions + sendNext(from: queue) + [.available]
    }
  }

  /// The inbound stream ended: the peer closed it (`error == nil`), reset it, or sent bytes that
  /// do not decode. After `ReconnectIns` any end is the clean end of the conversation.
  mutating func streamEnded(error: (any Error)?) -> [Action] {
    let inFlight: Call?
    let expected: Reply.Kind?
    let queue: [Call]
    switch state {
    case .closed: return []
    case .open(let call, let queued): (inFlight, expected, queue) = (call, call?.expected, queued)
    case .late(let late, let queued): (inFlight, expected, queue) = (nil, late.expected, queued)
    }
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
    if let error, expected != .disconnect {
      actions.append(.end(.abort(.invalidStream("\(error)"))))
    } else {
      actions.append(.end(.finish))
    }
    return actions
  }

  /// The server is shutting down: fail every call and end the stream (UNAVAILABLE).
  mutating func shutdown() -> [Action] {
    close(.shuttingDown, reason: PollenError(.disconnected, "server is shutting down"))
  }

  /// The client misbehaved (a reply of the wrong kind, that does not decode, or too large):
  /// fail every call and end the stream (FAILED_PRECONDITION with `why`).
  mutating func drop(_ why: String) -> [Action] {
    close(.protocolViolation(why), reason: PollenError(.disconnected, "client \(name) was dropped: \(why)"))
  }

  private mutating func close(_ abort: SessionAbort, reason: PollenError) -> [Action] {
    let calls: [Call]
    switch state {
    case .closed: return []
    case .open(let inFlight, let queue): calls = (inFlight.map { [$0] } ?? []) + queue
    case .late(_, let queue): calls = queue
    }
    state = .closed(reason: reason)
    return failAll(calls, with: reason) + [.end(.abort(abort))]
  }

  /// After the reply to `ReconnectIns`: the conversation is over.
  private mutating func closeAfterReconnect(_ queue: [Call]) -> [Action] {
    let reason = PollenError(.disconnected, "client \(name) disconnected after ReconnectIns")
    state = .closed(reason: reason)
    return failAll(queue, with: reason) + [.end(.finish)]
  }

  /// Sends the first queued call, if any.
  private mutating func sendNext(from queue: [Call]) -> [Action] {
    guard let next = queue.first else {
      state = .open(inFlight: nil, queue: [])
      return []
    }
    state = .open(inFlight: next, queue: Array(queue.dropFirst()))
    return [.write(next.outbound)]
  }

  private static func remove(_ id: UInt64, from queue: inout [Call]) -> Call? {
    guard let index = queue.firstIndex(where: { $0.id == id }) else { return nil }
    return queue.remove(at: index)
  }

  private static func cancelledBeforeSent(_ name: String) -> PollenError {
    PollenError(.timeout, "call to client \(name) cancelled before it was sent")
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
  /// The client sent nothing for a late call's whole grace period and is dropped
  /// (DEADLINE_EXCEEDED).
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

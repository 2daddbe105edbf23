import Synchronization

/// Bounds the bytes of model-carrying instructions being written to clients at once, across all
/// streams.
///
/// grpc-swift-nio-transport frames each message into a fresh buffer per stream (a copy of the
/// whole model) and holds it until the socket takes it; writing `FitIns` to K clients at once
/// therefore holds K model copies. A stream's ``Outbox`` acquires the message's size here before
/// writing and releases it once its ``StreamWriteGauge`` says the bytes left the process (or
/// after a lease time, so one stalled client cannot hold the others back). Grants are first come,
/// first served; one message is always admitted when nothing is in flight, however large.
final class SendBudget: Sendable {
  /// The bytes in flight at once (the sum of admitted messages' sizes).
  let limit: Int
  /// How long one message may hold its share while its client's socket does not drain it.
  let lease: Duration

  private struct Waiter {
    let id: UInt64
    let bytes: Int
    let continuation: CheckedContinuation<Bool, Never>
  }

  private struct State {
    let limit: Int
    var inUse = 0
    var peak = 0
    var admitted = 0
    /// Cancelled before their waiter was queued.
    var cancelled: Set<UInt64> = []
    var waiters: [Waiter] = []
    var head = 0
    var nextID: UInt64 = 0
  }

  private let state: Mutex<State>

  init(limit: Int, lease: Duration) {
    self.limit = max(limit, 1)
    self.lease = lease
    self.state = Mutex(State(limit: max(limit, 1)))
  }

  /// The bytes currently admitted, the most admitted at once, and how many messages were
  /// admitted (for tests and metrics).
  var statistics: (inFlight: Int, peak: Int, admitted: Int) {
    state.withLock { ($0.inUse, $0.peak, $0.admitted) }
  }

  /// The writers waiting for their share now.
  var waiting: Int { state.withLock { $0.waiters.count - $0.head } }

  /// Waits for `bytes` of the budget; returns `false` (holding nothing) if the task is cancelled.
  func acquire(_ bytes: Int) async -> Bool {
    let id = state.withLock { state in
      state.nextID += 1
      return state.nextID
    }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
        let granted: [CheckedContinuation<Bool, Never>]? = state.withLock { state in
          if state.cancelled.remove(id) != nil { return nil }
          state.waiters.append(Waiter(id: id, bytes: bytes, continuation: continuation))
          return Self.grant(&state)
        }
        guard let granted else { return continuation.resume(returning: false) }
        for c in granted { c.resume(returning: true) }
      }
    } onCancel: {
      let (cancelled, granted): (CheckedContinuation<Bool, Never>?, [CheckedContinuation<Bool, Never>]) =
        state.withLock { state in
          guard let index = state.waiters[state.head...].firstIndex(where: { $0.id == id }) else {
            // Not queued yet (or already granted: then the caller holds it and releases it).
            if !state.waiters[..<state.head].contains(where: { $0.id == id }) { state.cancelled.insert(id) }
            return (nil, [])
          }
          let waiter = state.waiters.remove(at: index)
          return (waiter.continuation, Self.grant(&state))
        }
      cancelled?.resume(returning: false)
      for c in granted { c.resume(returning: true) }
    }
  }

  /// Returns `bytes` acquired with ``acquire(_:)``.
  func release(_ bytes: Int) {
    let granted = state.withLock { state in
      state.inUse = max(state.inUse - bytes, 0)
      return Self.grant(&state)
    }
    for c in granted { c.resume(returning: true) }
  }

  /// Admits waiters in order while they fit (or while nothing is in flight).
  private static func grant(_ state: inout State) -> [CheckedContinuation<Bool, Never>] {
    var granted: [CheckedContinuation<Bool, Never>] = []
    while state.head < state.waiters.count {
      let next = state.waiters[state.head]
      guard state.inUse == 0 || state.inUse + next.bytes <= state.limit else { break }
      state.inUse += next.bytes
      state.peak = max(state.peak, state.inUse)
      state.admitted += 1
      state.head += 1
      granted.append(next.continuation)
    }
    if state.head > 64 && state.head * 2 > state.waiters.count {
      state.waiters.removeFirst(state.head)
      state.head = 0
    }
    return granted
  }
}

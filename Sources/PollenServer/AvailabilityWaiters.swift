import Synchronization

/// Tasks waiting for enough available clients (``SimpleClientManager/waitFor(numClients:timeout:)``),
/// resumed when a client registers or becomes available again — no polling.
///
/// Each waiter is a small state machine, so that a resumption, a timeout or a cancellation that
/// happens before the waiting task has suspended is not lost:
/// - `pending(need)` (added, not yet suspended) → `waiting` when the task suspends;
///   → `resolved(result)` when it is satisfied, times out or is cancelled first.
/// - `waiting(need, continuation)` → removed, continuation resumed, on the first of
///   satisfied (`true`), timed out or cancelled (`false`).
/// - `resolved(result)` → removed when the task comes to suspend: it returns `result` at once.
final class AvailabilityWaiters: Sendable {
  private enum Slot {
    case pending(need: Int)
    case waiting(need: Int, CheckedContinuation<Bool, Never>)
    case resolved(Bool)
  }

  private struct State {
    var nextID: UInt64 = 0
    var slots: [UInt64: Slot] = [:]
  }

  private let state = Mutex(State())

  /// Adds a waiter for `need` available clients; call ``wait(_:)`` with the id next.
  func add(need: Int) -> UInt64 {
    state.withLock { state in
      state.nextID += 1
      state.slots[state.nextID] = .pending(need: need)
      return state.nextID
    }
  }

  /// Suspends until waiter `id` is resolved: `true` when enough clients became available.
  func wait(_ id: UInt64) async -> Bool {
    await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
      let ready: Bool? = state.withLock { state in
        switch state.slots[id] {
        case .pending(let need):
          state.slots[id] = .waiting(need: need, continuation)
          return nil
        case .resolved(let result):
          state.slots[id] = nil
          return result
        case .waiting, nil:
          return false  // waited for twice, or never added: nothing will resume it
        }
      }
      if let ready { continuation.resume(returning: ready) }
    }
  }

  /// Resolves waiter `id` with `result` (no effect once it is resolved).
  func resolve(_ id: UInt64, _ result: Bool) {
    let continuation: CheckedContinuation<Bool, Never>? = state.withLock { state in
      switch state.slots[id] {
      case .pending:
        state.slots[id] = .resolved(result)
        return nil
      case .waiting(_, let continuation):
        state.slots[id] = nil
        return continuation
      case .resolved, nil:
        return nil
      }
    }
    continuation?.resume(returning: result)
  }

  /// `available` clients are available now: resolves every waiter that needs no more.
  func available(_ available: Int) {
    let satisfied: [UInt64] = state.withLock { state in
      state.slots.compactMap { id, slot in
        switch slot {
        case .pending(let need), .waiting(let need, _): return need <= available ? id : nil
        case .resolved: return nil
        }
      }
    }
    for id in satisfied { resolve(id, true) }
  }
}

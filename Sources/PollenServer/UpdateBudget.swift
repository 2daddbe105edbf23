import Synchronization

/// Bounds the number of fit results a round holds at once between their arrival (decoded) and
/// the moment the strategy has folded them in (``Strategy/accumulateFit(serverRound:result:)``).
///
/// Each fit call of a round gets an ``UpdateLease`` on the round's budget. A transport's
/// `ClientProxy` takes it (``UpdateLease/acquire()``, through ``UpdateLease/current``) before it
/// decodes a reply; the server takes it, if the proxy did not, when the call returns; and the
/// server gives it back once the result is folded in (or kept, for strategies that need every
/// result). A result that arrives when every slot is taken waits, undecoded where the proxy
/// cooperates, until one is free. Waiters are served first come, first served.
public final class UpdateBudget: Sendable {
  fileprivate struct State {
    var inUse = 0
    var peak = 0
    var nextTicket: UInt64 = 0
    var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
  }

  /// The number of slots.
  public let limit: Int
  private let state = Mutex(State())

  /// A budget of `limit` slots (at least 1).
  public init(limit: Int) {
    self.limit = max(1, limit)
  }

  /// The largest number of slots taken at once so far.
  public var peak: Int { state.withLock { $0.peak } }
  /// The number of slots taken now.
  public var inUse: Int { state.withLock { $0.inUse } }

  /// Waits for a free slot and takes it; `false` (no slot taken) when the task is cancelled.
  func acquire() async -> Bool {
    let ticket: UInt64? = state.withLock { state in
      if state.inUse < limit && state.waiters.isEmpty {
        state.take()
        return nil
      }
      state.nextTicket += 1
      return state.nextTicket
    }
    guard let ticket else { return true }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
        let resumeNow: Bool? = state.withLock { state in
          if Task.isCancelled { return false }
          if state.inUse < limit && state.waiters.isEmpty {
            state.take()
            return true
          }
          state.waiters.append((ticket, continuation))
          return nil
        }
        if let resumeNow { continuation.resume(returning: resumeNow) }
      }
    } onCancel: {
      let cancelled = state.withLock { state -> CheckedContinuation<Bool, Never>? in
        guard let index = state.waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
        return state.waiters.remove(at: index).continuation
      }
      cancelled?.resume(returning: false)
    }
  }

  /// Gives a slot back, handing it to the first waiter if there is one.
  func release() {
    let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
      state.inUse -= 1
      guard !state.waiters.isEmpty else { return nil }
      state.take()
      return state.waiters.removeFirst().continuation
    }
    next?.resume(returning: true)
  }
}

extension UpdateBudget.State {
  fileprivate mutating func take() {
    inUse += 1
    peak = max(peak, inUse)
  }
}

/// One fit call's claim on a slot of its round's ``UpdateBudget``: taken at most once, given
/// back at most once.
public final class UpdateLease: Sendable {
  /// The lease of the fit call the current task runs, set by the ``Server`` for each fit call
  /// (`nil` outside one, or when the round's results are not bounded). A `ClientProxy` that
  /// decodes replies calls `await UpdateLease.current?.acquire()` before decoding a fit reply.
  @TaskLocal public static var current: UpdateLease?

  private enum Phase { case idle, held, done }
  private let budget: UpdateBudget
  private let phase = Mutex(Phase.idle)

  init(budget: UpdateBudget) { self.budget = budget }

  /// Takes a slot, waiting for one if none is free; returns at once if this lease holds one or
  /// was given back. Returns without a slot when the task is cancelled.
  public func acquire() async {
    guard phase.withLock({ $0 == .idle }) else { return }
    guard await budget.acquire() else { return }
    let keep = phase.withLock { phase in
      guard phase == .idle else { return false }
      phase = .held
      return true
    }
    if !keep { budget.release() }
  }

  /// Gives the slot back (if held); later ``acquire()`` calls return at once.
  func release() {
    let held = phase.withLock { phase in
      defer { phase = .done }
      return phase == .held
    }
    if held { budget.release() }
  }
}

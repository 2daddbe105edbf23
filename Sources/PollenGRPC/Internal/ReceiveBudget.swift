import Synchronization

/// Bounds the bytes of client messages the server holds between their arrival and their
/// decoding, across all connections.
///
/// When a round's FitIns reach K clients at once, their K replies come back at once, and each
/// waits, whole, until the strategy has room for another update (``UpdateBudget``): without a
/// bound the server holds K replies. Each stream charges a message's whole size here when its
/// first bytes arrive (through its ``StreamWriteGauge``; ``MessageStarts`` reads the sizes) and each message gives its bytes back once it is decoded or dropped
/// (``InboundCharge``). Once `limit` bytes are held, reading pauses (``ConnectionReadGate``):
/// idle connections stop reading their sockets, so their replies wait in the kernel and then,
/// by TCP flow control, on the clients. Connections that were receiving a message when the
/// pause began are *admitted*: they read on so it completes. A connection that starts receiving
/// during the pause (its first bytes were already read) waits in line, and each admitted
/// connection that finishes hands its admission to the next in line, so the messages being
/// completed during a pause stay as many as when it began. Reading resumes for everyone when
/// the bytes held fall to half the limit.
final class ReceiveBudget: Sendable {
  /// The bytes held at which reading pauses.
  let limit: Int

  private struct State {
    var held = 0
    var peak = 0
    var pauses = 0
    var paused = false
    var gates: [ObjectIdentifier: ConnectionReadGate] = [:]
    /// Idle gates that stopped reading in this pause.
    var pausedIdle: [ObjectIdentifier: ConnectionReadGate] = [:]
    /// Gates that started receiving during this pause, in order, waiting for an admission.
    var waiting: [ConnectionReadGate] = []
    var waitingHead = 0
  }

  private let state = Mutex(State())
  /// `state.paused`, readable without the lock on every socket read.
  private let pausedFlag = Atomic<Bool>(false)

  init(limit: Int) {
    self.limit = max(limit, 1)
  }

  /// The bytes held now, the most held at once, and how many times reading paused (for tests,
  /// logs and metrics).
  var statistics: (held: Int, peak: Int, pauses: Int) {
    state.withLock { ($0.held, $0.peak, $0.pauses) }
  }

  /// Whether reading is paused now (a hint read on every `read()`; the gate's calls decide).
  var isPaused: Bool { pausedFlag.load(ordering: .relaxed) }

  func register(_ gate: ConnectionReadGate) {
    state.withLock { $0.gates[ObjectIdentifier(gate)] = gate }
  }

  func unregister(_ gate: ConnectionReadGate) {
    state.withLock { state in
      state.gates.removeValue(forKey: ObjectIdentifier(gate))
      state.pausedIdle.removeValue(forKey: ObjectIdentifier(gate))
    }
  }

  /// Adds `bytes` received; reaching the limit pauses reading.
  func charge(_ bytes: Int) {
    guard bytes > 0 else { return }
    let toPause: [ConnectionReadGate] = state.withLock { state in
      state.held += bytes
      state.peak = max(state.peak, state.held)
      guard !state.paused, state.held >= limit else { return [] }
      state.paused = true
      state.pauses += 1
      pausedFlag.store(true, ordering: .relaxed)
      return Array(state.gates.values)
    }
    for gate in toPause { gate.pauseIfIdle() }
  }

  /// Gives back `bytes`; falling to half the limit resumes every connection.
  func release(_ bytes: Int) {
    guard bytes > 0 else { return }
    let toResume: [ConnectionReadGate] = state.withLock { state in
      state.held -= bytes
      guard state.paused, state.held <= limit / 2 else { return [] }
      state.paused = false
      pausedFlag.store(false, ordering: .relaxed)
      defer {
        state.pausedIdle = [:]
        state.waiting = []
        state.waitingHead = 0
      }
      return Array(state.pausedIdle.values) + state.waiting[state.waitingHead...]
    }
    for gate in toResume { gate.resume() }
  }

  /// An idle gate wants to read during a pause: records it as paused and returns `true` (do not
  /// read), or `false` when the pause is over. (Atomic with the resume in ``release(_:)``, so a
  /// gate is either resumed or never paused.)
  func pauseIfStillPaused(_ gate: ConnectionReadGate) -> Bool {
    state.withLock { state in
      guard state.paused, state.gates[ObjectIdentifier(gate)] != nil else { return false }
      state.pausedIdle[ObjectIdentifier(gate)] = gate
      return true
    }
  }

  /// `gate` started receiving a message: `true` if it may read on (no pause), else it waits in
  /// line for an admission (``ConnectionReadGate/admit()``).
  func becameBusy(_ gate: ConnectionReadGate) -> Bool {
    state.withLock { state in
      guard state.paused else { return true }
      state.pausedIdle.removeValue(forKey: ObjectIdentifier(gate))
      state.waiting.append(gate)
      return false
    }
  }

  /// `gate` holds nothing any more: if it was admitted during a pause, the next gate in line
  /// gets its admission (returned, to be told).
  func becameIdle(_ gate: ConnectionReadGate, wasAdmitted: Bool) -> ConnectionReadGate? {
    state.withLock { state in
      guard state.paused else { return nil }
      if let index = state.waiting[state.waitingHead...].firstIndex(where: { $0 === gate }) {
        state.waiting.remove(at: index)
        // It never got its admission; nothing to hand on.
        return nil
      }
      guard wasAdmitted, state.waitingHead < state.waiting.count else { return nil }
      defer { state.waitingHead += 1 }
      return state.waiting[state.waitingHead]
    }
  }
}

import PollenCore

/// What a Flower-protocol client does between sessions with its server — when to join again,
/// how long to wait, when to give up — as a pure state machine: the transport reports how each
/// session ended and performs the returned ``Action``; time and randomness are passed in, so
/// every path is testable without a network or a clock.
///
/// Rules (Flower's `start_client`, `flwr/compat/client/app.py`, plus Pollen's rejoin policy):
/// - `ReconnectIns` without a delay ends the client; with a delay it waits that long and joins
///   again, and the failure count starts over.
/// - A session that fails (no connection, a broken stream) or whose client threw (unless
///   `stopOnClientError`) is retried after ``Backoff/delay(afterFailedAttempt:elapsed:random:)``;
///   a session that exchanged at least one message first resets the count and the clock, so a
///   long run survives many separate outages. When the backoff gives up the machine gives up.
public struct ReconnectStateMachine: Sendable {
  /// How a session ended.
  public enum Event: Sendable {
    /// The server sent `ReconnectIns`: `reconnectAfter` is its delay (`nil`: shut down).
    case disconnected(reconnectAfter: Duration?)
    /// The connection or stream failed after `exchanges` instructions were answered.
    case failed(PollenError, exchanges: Int)
    /// The `Client` threw after `exchanges` instructions were answered.
    case clientError(PollenError, exchanges: Int)
  }

  /// What to do next.
  public enum Action: Sendable, Equatable {
    /// Open a session now.
    case join
    /// Wait, then open a session.
    case wait(Duration)
    /// The server ended the run: stop without an error.
    case stop
    /// Stop with this error (the backoff gave up, or the client threw under `stopOnClientError`).
    case fail(PollenError)
  }

  /// The machine's states.
  public enum State: Sendable, Equatable {
    /// Not started. → `joining`.
    case idle
    /// A session is open (or being opened). → `waiting`, `stopped` or `failed`.
    case joining
    /// Waiting before the next session. → `joining`.
    case waiting
    /// The server ended the run (terminal).
    case stopped
    /// Given up (terminal).
    case failed
  }

  public let backoff: Backoff
  public let stopOnClientError: Bool
  public private(set) var state: State = .idle
  /// Consecutive failed sessions since the last successful exchange.
  public private(set) var failedAttempts = 0
  private var firstAttempt: ContinuousClock.Instant?

  public init(backoff: Backoff = .defaults, stopOnClientError: Bool = false) {
    self.backoff = backoff
    self.stopOnClientError = stopOnClientError
  }

  /// The first action: join.
  public mutating func start(at now: ContinuousClock.Instant) -> Action {
    precondition(state == .idle, "start() once")
    state = .joining
    firstAttempt = now
    return .join
  }

  /// The wait is over; open the next session.
  public mutating func waited(at now: ContinuousClock.Instant) -> Action {
    precondition(state == .waiting, "waited() only after a .wait action")
    state = .joining
    if failedAttempts == 0 { firstAttempt = now }
    return .join
  }

  /// The session ended with `event` at `now`; `random` in `0..<1` draws the backoff's jitter.
  public mutating func sessionEnded(_ event: Event, at now: ContinuousClock.Instant, random: Double) -> Action
  {
    precondition(state == .joining, "sessionEnded() only while a session is open")
    switch event {
    case .disconnected(reconnectAfter: nil):
      state = .stopped
      return .stop
    case .disconnected(reconnectAfter: let delay?):
      failedAttempts = 0
      state = .waiting
      return .wait(delay)
    case .clientError(let error, _) where stopOnClientError:
      state = .failed
      return .fail(error)
    case .failed(let error, let exchanges), .clientError(let error, let exchanges):
      if exchanges > 0 {
        failedAttempts = 0
        firstAttempt = now
      }
      failedAttempts += 1
      let elapsed = now - (firstAttempt ?? now)
      guard let delay = backoff.delay(afterFailedAttempt: failedAttempts, elapsed: elapsed, random: random)
      else {
        state = .failed
        return .fail(
          PollenError(
            .disconnected, "giving up after \(failedAttempts) tries in \(elapsed): \(error.message)",
            cause: error))
      }
      state = .waiting
      return .wait(delay)
    }
  }
}

extension ReconnectStateMachine.Action {
  /// Equal actions; errors compare by code and message.
  public static func == (a: Self, b: Self) -> Bool {
    switch (a, b) {
    case (.join, .join), (.stop, .stop): return true
    case (.wait(let x), .wait(let y)): return x == y
    case (.fail(let x), .fail(let y)): return x.code == y.code && x.message == y.message
    default: return false
    }
  }
}

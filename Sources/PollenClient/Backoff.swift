/// When to try connecting again after a failed attempt: exponential backoff with full jitter,
/// bounded by a number of retries and a total wait time — the rules of Flower's `start_client`
/// (`RetryInvoker` with `exponential(max_delay=20)` and `full_jitter`).
///
/// The struct is pure: callers pass the attempt number, the time elapsed since the first attempt
/// and a random number, and get back how long to sleep, or `nil` to give up.
public struct Backoff: Sendable, Hashable {
  /// The nominal delay before the first retry.
  public var initialDelay: Duration
  /// The factor applied to the nominal delay after each retry.
  public var multiplier: Double
  /// The largest nominal delay.
  public var maxDelay: Duration
  /// Retries after the first attempt; `nil`: no limit (Flower's `max_retries`).
  public var maxRetries: Int?
  /// Total time to keep trying, measured from the first attempt; `nil`: no limit
  /// (Flower's `max_wait_time`).
  public var maxWaitTime: Duration?
  /// Whether the actual delay is drawn uniformly from `0...nominal` ("full jitter").
  public var jitter: Bool

  public init(
    initialDelay: Duration = .seconds(1), multiplier: Double = 2, maxDelay: Duration = .seconds(20),
    maxRetries: Int? = nil, maxWaitTime: Duration? = nil, jitter: Bool = true
  ) {
    precondition(initialDelay >= .zero && maxDelay >= .zero && multiplier >= 1, "invalid backoff")
    precondition(maxRetries.map { $0 >= 0 } ?? true, "maxRetries must not be negative")
    self.initialDelay = initialDelay
    self.multiplier = multiplier
    self.maxDelay = maxDelay
    self.maxRetries = maxRetries
    self.maxWaitTime = maxWaitTime
    self.jitter = jitter
  }

  /// Flower's defaults: 1 s, doubling, at most 20 s between tries, jittered, no limits.
  public static var defaults: Backoff { Backoff() }

  /// The nominal (unjittered) delay before retry number `retry` (1 for the first retry):
  /// `min(initialDelay × multiplier^(retry − 1), maxDelay)`.
  public func nominalDelay(retry: Int) -> Duration {
    precondition(retry >= 1, "retries are numbered from 1")
    return .seconds(min(initialDelay.inSeconds * pow(multiplier, retry - 1), maxDelay.inSeconds))
  }

  /// How long to wait after attempt number `failedAttempt` (1 for the first attempt) failed,
  /// `elapsed` after the first attempt started; `nil` means give up.
  ///
  /// - Parameters:
  ///   - failedAttempt: the attempt that failed, from 1.
  ///   - elapsed: the time since the first attempt started.
  ///   - random: a number in `0..<1` (ignored without jitter); pass
  ///     `Double.random(in: 0..<1)` outside tests.
  public func delay(afterFailedAttempt failedAttempt: Int, elapsed: Duration, random: Double) -> Duration? {
    precondition(failedAttempt >= 1, "attempts are numbered from 1")
    if let maxRetries, failedAttempt >= maxRetries + 1 { return nil }
    if let maxWaitTime, elapsed >= maxWaitTime { return nil }
    var wait = nominalDelay(retry: failedAttempt)
    if jitter { wait = .seconds(wait.inSeconds * min(max(random, 0), 1)) }
    if let maxWaitTime { wait = min(wait, maxWaitTime - elapsed) }
    return wait
  }
}

/// `base` raised to a non-negative integer power, without Foundation.
private func pow(_ base: Double, _ exponent: Int) -> Double {
  var result = 1.0
  for _ in 0..<max(exponent, 0) {
    result *= base
    if result.isInfinite { break }
  }
  return result
}

import PollenClient
import Testing

@Suite struct BackoffTests {
  @Test func nominalDelaysDoubleUpToTheCap() {
    let backoff = Backoff.defaults
    let delays = (1...8).map { backoff.nominalDelay(retry: $0) }
    #expect(delays == [1, 2, 4, 8, 16, 20, 20, 20].map { Duration.seconds($0) })
  }

  @Test func initialDelayAboveTheCapIsCapped() {
    let backoff = Backoff(initialDelay: .seconds(30), maxDelay: .seconds(20))
    #expect(backoff.nominalDelay(retry: 1) == .seconds(20))
    #expect(backoff.nominalDelay(retry: 3) == .seconds(20))
  }

  @Test func fullJitterScalesTheNominalDelay() {
    let backoff = Backoff.defaults
    #expect(backoff.delay(afterFailedAttempt: 3, elapsed: .zero, random: 0.25) == .seconds(1))
    #expect(backoff.delay(afterFailedAttempt: 3, elapsed: .zero, random: 0) == .zero)
    let plain = Backoff(jitter: false)
    #expect(plain.delay(afterFailedAttempt: 3, elapsed: .zero, random: 0.25) == .seconds(4))
  }

  @Test func maxRetriesCountsRetriesAfterTheFirstAttempt() {
    // Flower: max_tries = max_retries + 1.
    let backoff = Backoff(maxRetries: 2, jitter: false)
    #expect(backoff.delay(afterFailedAttempt: 1, elapsed: .zero, random: 0) == .seconds(1))
    #expect(backoff.delay(afterFailedAttempt: 2, elapsed: .zero, random: 0) == .seconds(2))
    #expect(backoff.delay(afterFailedAttempt: 3, elapsed: .zero, random: 0) == nil)
    #expect(Backoff(maxRetries: 0).delay(afterFailedAttempt: 1, elapsed: .zero, random: 0.5) == nil)
  }

  @Test func maxWaitTimeBoundsTheTotal() {
    let backoff = Backoff(maxWaitTime: .seconds(10), jitter: false)
    #expect(backoff.delay(afterFailedAttempt: 4, elapsed: .seconds(5), random: 0) == .seconds(5))
    #expect(backoff.delay(afterFailedAttempt: 1, elapsed: .seconds(10), random: 0) == nil)
    #expect(backoff.delay(afterFailedAttempt: 1, elapsed: .seconds(11), random: 0) == nil)
  }

  @Test func unlimitedByDefault() {
    #expect(
      Backoff.defaults.delay(afterFailedAttempt: 10_000, elapsed: .seconds(1e9), random: 1) == .seconds(20))
  }
}

import PollenClient
import PollenCore
import Testing

@Suite("Reconnect state machine")
struct ReconnectStateMachineTests {
  let t0 = ContinuousClock.now
  let lost = PollenError(.disconnected, "stream lost")

  func at(_ seconds: Double) -> ContinuousClock.Instant {
    t0.advanced(by: .milliseconds(Int64(seconds * 1000)))
  }

  @Test("ReconnectIns without a delay stops; with a delay waits that long and joins again")
  func reconnectIns() {
    var m = ReconnectStateMachine(backoff: Backoff(jitter: false))
    #expect(m.start(at: at(0)) == .join)
    #expect(
      m.sessionEnded(.disconnected(reconnectAfter: .seconds(5)), at: at(1), random: 0.5) == .wait(.seconds(5))
    )
    #expect(m.state == .waiting)
    #expect(m.waited(at: at(6)) == .join)
    #expect(m.sessionEnded(.disconnected(reconnectAfter: nil), at: at(7), random: 0.5) == .stop)
    #expect(m.state == .stopped)
  }

  @Test("failures back off exponentially (Flower: 1 s doubling to 20 s) and give up at the limit")
  func backoff() {
    var m = ReconnectStateMachine(backoff: Backoff(maxRetries: 6, jitter: false))
    _ = m.start(at: at(0))
    var now = 0.0
    var waits: [Duration] = []
    while case .wait(let d) = m.sessionEnded(.failed(lost, exchanges: 0), at: at(now), random: 0.5) {
      waits.append(d)
      now += d.components.seconds > 0 ? Double(d.components.seconds) : 0
      #expect(m.waited(at: at(now)) == .join)
    }
    #expect(waits == [1, 2, 4, 8, 16, 20].map { Duration.seconds($0) })
    #expect(m.state == .failed)
    #expect(m.failedAttempts == 7)
  }

  @Test("a session that answered instructions resets the count and the clock")
  func progressResets() {
    var m = ReconnectStateMachine(backoff: Backoff(maxWaitTime: .seconds(10), jitter: false))
    _ = m.start(at: at(0))
    #expect(m.sessionEnded(.failed(lost, exchanges: 0), at: at(0.1), random: 0) == .wait(.seconds(1)))
    _ = m.waited(at: at(1.1))
    #expect(m.sessionEnded(.failed(lost, exchanges: 0), at: at(1.2), random: 0) == .wait(.seconds(2)))
    _ = m.waited(at: at(3.2))
    // A long healthy session, then an outage: the wait limit counts from the outage, not the start.
    #expect(m.sessionEnded(.failed(lost, exchanges: 40), at: at(500), random: 0) == .wait(.seconds(1)))
    #expect(m.failedAttempts == 1)
    _ = m.waited(at: at(501))
    guard case .fail(let error) = m.sessionEnded(.failed(lost, exchanges: 0), at: at(511), random: 0) else {
      Issue.record("gives up 10 s after the outage began")
      return
    }
    #expect(error.code == .disconnected && error.message.contains("giving up after 2 tries"))
  }

  @Test("a client error rejoins by default and stops under stopOnClientError")
  func clientErrors() {
    let boom = PollenError(.clientFailed, "fit threw")
    var rejoin = ReconnectStateMachine(backoff: Backoff(jitter: false))
    _ = rejoin.start(at: at(0))
    #expect(rejoin.sessionEnded(.clientError(boom, exchanges: 3), at: at(1), random: 0) == .wait(.seconds(1)))
    var stop = ReconnectStateMachine(backoff: Backoff(jitter: false), stopOnClientError: true)
    _ = stop.start(at: at(0))
    #expect(stop.sessionEnded(.clientError(boom, exchanges: 3), at: at(1), random: 0) == .fail(boom))
    #expect(stop.state == .failed)
  }

  @Test("jitter draws the wait uniformly below the nominal delay")
  func jitter() {
    var m = ReconnectStateMachine(backoff: Backoff())
    _ = m.start(at: at(0))
    #expect(m.sessionEnded(.failed(lost, exchanges: 0), at: at(0), random: 0.25) == .wait(.milliseconds(250)))
  }
}

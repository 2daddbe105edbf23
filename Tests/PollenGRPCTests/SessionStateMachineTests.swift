import PollenClient
import PollenCore
import Testing

@testable import PollenGRPC

/// The server-side stream protocol, driven with plain values: outbound strings, inbound
/// strings, waiters named by ints.
@Suite struct SessionStateMachineTests {
  typealias Machine = SessionStateMachine<String, String, Int>

  enum Seen: Equatable {
    case write(String), end(SessionEnd), succeed(Int, String?), fail(Int, PollenError.Code)
    case startGrace(UInt64), stale(Reply.Kind?, late: Reply.Kind), available
  }

  func seen(_ actions: [Machine.Action]) -> [Seen] {
    actions.map { action in
      switch action {
      case .write(let m): return .write(m)
      case .end(let e): return .end(e)
      case .succeed(let w, let m): return .succeed(w, m)
      case .fail(let w, let e): return .fail(w, e.code)
      case .startGrace(let id): return .startGrace(id)
      case .discardedStale(let kind, let late): return .stale(kind, late: late.expected)
      case .available: return .available
      }
    }
  }

  func call(_ machine: inout Machine, _ waiter: Int, _ kind: Reply.Kind = .fit) -> (UInt64, [Seen]) {
    let id = machine.nextID()
    let actions = machine.enqueue(.init(id: id, expected: kind, outbound: "ins\(waiter)", waiter: waiter))
    return (id, seen(actions))
  }

  @Test func oneCallInFlightOthersQueueInOrder() {
    var m = Machine(name: "c")
    #expect(call(&m, 1).1 == [.write("ins1")])
    #expect(call(&m, 2).1 == [])
    #expect(call(&m, 3).1 == [])
    #expect(seen(m.received("r1", kind: .fit)) == [.succeed(1, "r1"), .write("ins2")])
    #expect(seen(m.received("r2", kind: .fit)) == [.succeed(2, "r2"), .write("ins3")])
    #expect(seen(m.received("r3", kind: .fit)) == [.succeed(3, "r3")])
    #expect(!m.isClosed)
  }

  @Test func cancellingTheCallInFlightKeepsTheClientButMakesItLate() {
    var m = Machine(name: "c")
    let (id, _) = call(&m, 1)
    _ = call(&m, 2)
    #expect(seen(m.cancel(id: id)) == [.fail(1, .timeout), .startGrace(id)])
    #expect(!m.isClosed)
    #expect(!m.isAvailable)
    #expect(m.late?.id == id && m.late?.expected == .fit)
    // New calls wait behind the late reply: nothing is written while it is due.
    #expect(call(&m, 3, .evaluate).1 == [])
    #expect(seen(m.cancel(id: id)) == [], "cancelling a late call again changes nothing")
  }

  @Test func theLateReplyIsDiscardedAndTheNextCallIsSent() {
    var m = Machine(name: "c")
    let (id, _) = call(&m, 1)
    _ = seen(m.cancel(id: id))
    _ = call(&m, 2, .evaluate)
    #expect(
      seen(m.received("stale fit_res", kind: .fit)) == [.stale(.fit, late: .fit), .write("ins2"), .available])
    #expect(m.isAvailable && m.late == nil)
    #expect(seen(m.received("r2", kind: .evaluate)) == [.succeed(2, "r2")])
    // The grace timer of the old call fires later: it finds nothing to do.
    #expect(seen(m.graceExpired(id: id)) == [])
    #expect(!m.isClosed)
    #expect(call(&m, 3).1 == [.write("ins3")])
  }

  @Test func aLateReplyWithNothingQueuedMakesTheClientIdleAndAvailable() {
    var m = Machine(name: "c")
    let (id, _) = call(&m, 1)
    _ = m.cancel(id: id)
    #expect(seen(m.received("stale", kind: .fit)) == [.stale(.fit, late: .fit), .available])
    #expect(m.isAvailable)
    #expect(call(&m, 2).1 == [.write("ins2")])
  }

  @Test func aClientSilentForTheGracePeriodIsDropped() {
    var m = Machine(name: "c")
    let (id, _) = call(&m, 1)
    _ = m.cancel(id: id)
    _ = call(&m, 2)
    #expect(seen(m.graceExpired(id: id + 100)) == [], "another call's timer")
    let actions = seen(m.graceExpired(id: id))
    #expect(actions.first == .fail(2, .disconnected))
    guard actions.count == 2, case .end(.abort(.deadlineExceeded)) = actions[1] else {
      Issue.record("expected the queued call to fail and DEADLINE_EXCEEDED, got \(actions)")
      return
    }
    #expect(m.isClosed && !m.isAvailable)
    #expect(call(&m, 3).1 == [.fail(3, .disconnected)])
    #expect(seen(m.received("too late", kind: .fit)) == [])
  }

  @Test func cancellingAQueuedCallWhileLateOnlyRemovesIt() {
    var m = Machine(name: "c")
    let (id, _) = call(&m, 1)
    _ = m.cancel(id: id)
    let (queued, _) = call(&m, 2)
    #expect(seen(m.cancel(id: queued)) == [.fail(2, .timeout)])
    #expect(seen(m.received("stale", kind: .fit)) == [.stale(.fit, late: .fit), .available])
  }

  @Test func theLateReplyToReconnectEndsTheConversation() {
    var m = Machine(name: "c")
    let (id, _) = call(&m, 1, .disconnect)
    _ = m.cancel(id: id)
    _ = call(&m, 2)
    #expect(
      seen(m.received("bye", kind: .disconnect)) == [
        .stale(.disconnect, late: .disconnect), .fail(2, .disconnected), .end(.finish),
      ])
    #expect(m.isClosed)
  }

  @Test func streamEndOrShutdownWhileLateFailsTheQueue() {
    var m = Machine(name: "c")
    let (id, _) = call(&m, 1)
    _ = m.cancel(id: id)
    _ = call(&m, 2)
    #expect(seen(m.streamEnded(error: nil)) == [.fail(2, .disconnected), .end(.finish)])
    #expect(m.isClosed)

    var broken = Machine(name: "c")
    let (late, _) = call(&broken, 1)
    _ = broken.cancel(id: late)
    let actions = seen(broken.streamEnded(error: PollenError(.disconnected, "RST_STREAM")))
    guard actions.count == 1, case .end(.abort(.invalidStream)) = actions[0] else {
      Issue.record("expected an abort, got \(actions)")
      return
    }

    var stopping = Machine(name: "c")
    let (pending, _) = call(&stopping, 1)
    _ = stopping.cancel(id: pending)
    _ = call(&stopping, 2)
    #expect(seen(stopping.shutdown()) == [.fail(2, .disconnected), .end(.abort(.shuttingDown))])
    #expect(seen(stopping.graceExpired(id: pending)) == [])
  }

  @Test func cancellingAQueuedCallOnlyRemovesIt() {
    var m = Machine(name: "c")
    _ = call(&m, 1)
    let (queued, _) = call(&m, 2)
    #expect(seen(m.cancel(id: queued)) == [.fail(2, .timeout)])
    #expect(seen(m.received("r1", kind: .fit)) == [.succeed(1, "r1")])
    #expect(!m.isClosed)
  }

  @Test func cancellationBeforeEnqueueFailsTheCallWithoutSendingIt() {
    var m = Machine(name: "c")
    let id = m.nextID()
    #expect(seen(m.cancel(id: id)) == [])
    let actions = m.enqueue(.init(id: id, expected: .fit, outbound: "ins", waiter: 1))
    #expect(seen(actions) == [.fail(1, .timeout)])
    #expect(call(&m, 2).1 == [.write("ins2")])
  }

  @Test func streamEndMidCallFailsEveryCall() {
    var m = Machine(name: "c")
    _ = call(&m, 1)
    _ = call(&m, 2)
    #expect(
      seen(m.streamEnded(error: nil)) == [.fail(1, .disconnected), .fail(2, .disconnected), .end(.finish)])
    #expect(m.isClosed)
  }

  @Test func streamErrorAbortsTheStream() {
    var m = Machine(name: "c")
    _ = call(&m, 1)
    let actions = seen(m.streamEnded(error: PollenError(.invalidMessage, "bad bytes")))
    #expect(actions.first == .fail(1, .disconnected))
    guard case .end(.abort(.invalidStream)) = actions.last else {
      Issue.record("expected an abort, got \(actions)")
      return
    }
  }

  @Test func anyEndAfterReconnectIsClean() {
    for error: PollenError? in [nil, PollenError(.disconnected, "RST_STREAM")] {
      var m = Machine(name: "c")
      _ = call(&m, 1, .disconnect)
      #expect(seen(m.streamEnded(error: error)) == [.succeed(1, nil), .end(.finish)])
    }
    var m = Machine(name: "c")
    _ = call(&m, 1, .disconnect)
    #expect(seen(m.received("bye", kind: .disconnect)) == [.succeed(1, "bye"), .end(.finish)])
    #expect(m.isClosed)
  }

  @Test func unsolicitedMessageIsAProtocolViolation() {
    var m = Machine(name: "c")
    let actions = seen(m.received("hello", kind: .fit))
    guard case .end(.abort(.protocolViolation)) = actions.last else {
      Issue.record("expected a protocol violation, got \(actions)")
      return
    }
    #expect(m.isClosed)
  }

  @Test func shutdownFailsEverythingAndEndsWithUnavailable() {
    var m = Machine(name: "c")
    _ = call(&m, 1)
    _ = call(&m, 2)
    #expect(
      seen(m.shutdown()) == [.fail(1, .disconnected), .fail(2, .disconnected), .end(.abort(.shuttingDown))])
    #expect(seen(m.shutdown()) == [])
  }
}

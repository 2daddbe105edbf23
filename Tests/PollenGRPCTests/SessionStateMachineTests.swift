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
  }

  func seen(_ actions: [Machine.Action]) -> [Seen] {
    actions.map { action in
      switch action {
      case .write(let m): return .write(m)
      case .end(let e): return .end(e)
      case .succeed(let w, let m): return .succeed(w, m)
      case .fail(let w, let e): return .fail(w, e.code)
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

  @Test func cancellingTheCallInFlightDropsTheClient() {
    var m = Machine(name: "c")
    let (id, _) = call(&m, 1)
    _ = call(&m, 2)
    let actions = seen(m.cancel(id: id))
    #expect(actions.count == 3)
    #expect(actions[0] == .fail(1, .timeout))
    #expect(actions[1] == .fail(2, .timeout))
    guard case .end(.abort(.deadlineExceeded)) = actions[2] else {
      Issue.record("expected DEADLINE_EXCEEDED, got \(actions[2])")
      return
    }
    #expect(m.isClosed)
    #expect(call(&m, 3).1 == [.fail(3, .disconnected)])
    #expect(seen(m.received("late", kind: .fit)) == [])
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

import Synchronization
import Testing

@testable import PollenServer

/// How many tasks are inside a section now, and the most there were at once.
private final class Occupancy: Sendable {
  private let counts = Mutex((now: 0, most: 0))
  var most: Int { counts.withLock { $0.most } }
  func enter() {
    counts.withLock {
      $0.now += 1
      $0.most = max($0.most, $0.now)
    }
  }
  func leave() { counts.withLock { $0.now -= 1 } }
}

@Suite("UpdateBudget and UpdateLease")
struct UpdateBudgetTests {
  @Test("never more slots taken than the limit; every waiter is served")
  func limitHolds() async {
    let budget = UpdateBudget(limit: 2)
    let inside = Occupancy()
    await withTaskGroup(of: Void.self) { group in
      for _ in 0..<50 {
        group.addTask {
          let lease = UpdateLease(budget: budget)
          await lease.acquire()
          inside.enter()
          await Task.yield()
          inside.leave()
          lease.release()
        }
      }
    }
    #expect(budget.peak == 2)
    #expect(budget.inUse == 0)
    #expect(inside.most <= 2)
  }

  @Test("a lease is taken once and given back once")
  func leaseIsIdempotent() async {
    let budget = UpdateBudget(limit: 1)
    let lease = UpdateLease(budget: budget)
    await lease.acquire()
    await lease.acquire()
    #expect(budget.inUse == 1)
    lease.release()
    lease.release()
    #expect(budget.inUse == 0)
    await lease.acquire()  // given back: does not take a slot again
    #expect(budget.inUse == 0)
  }

  @Test("a waiter whose task is cancelled leaves without a slot")
  func cancelledWaiter() async {
    let budget = UpdateBudget(limit: 1)
    let holder = UpdateLease(budget: budget)
    await holder.acquire()
    let waiter = Task { await budget.acquire() }
    waiter.cancel()
    #expect(await waiter.value == false)
    holder.release()
    #expect(budget.inUse == 0)
  }
}

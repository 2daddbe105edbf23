import PollenCore
import PollenServer
import PollenTesting
import Synchronization
import Testing

/// A proxy whose availability the test switches (a network client that owes a late reply is
/// connected but unavailable).
final class SwitchableProxy: ClientProxy {
  let cid: String
  private let available: Mutex<Bool>

  init(_ cid: String, available: Bool = true) {
    self.cid = cid
    self.available = Mutex(available)
  }

  var isAvailable: Bool { available.withLock { $0 } }
  func setAvailable(_ value: Bool) { available.withLock { $0 = value } }

  func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    GetPropertiesRes(properties: [:])
  }
  func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    GetParametersRes(parameters: .empty)
  }
  func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes {
    FitRes(parameters: ins.parameters, numExamples: 1)
  }
  func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes {
    EvaluateRes(loss: 0, numExamples: 1)
  }
  func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes {
    DisconnectRes(reason: .reconnect)
  }
}

/// `SimpleClientManager.waitFor` suspends until `register` or `availabilityChanged` brings
/// enough available clients; it honours its timeout and task cancellation.
@Suite struct SimpleClientManagerWaitTests {
  /// Runs `waitFor` in a child task and returns it with how long it took.
  func waiting(_ manager: SimpleClientManager, for count: Int, timeout: Duration?)
    -> Task<(Bool, Duration), Never>
  {
    Task {
      let clock = ContinuousClock()
      let start = clock.now
      let satisfied = await manager.waitFor(numClients: count, timeout: timeout)
      return (satisfied, clock.now - start)
    }
  }

  @Test func returnsAtOnceWhenEnoughClientsAreAvailable() async {
    let manager = SimpleClientManager()
    await manager.register(SwitchableProxy("a"))
    #expect(await manager.waitFor(numClients: 1, timeout: .zero))
    #expect(await manager.waitFor(numClients: 0, timeout: nil))
  }

  @Test func registerResumesTheWaiters() async {
    let manager = SimpleClientManager()
    let two = waiting(manager, for: 2, timeout: .seconds(60))
    let one = waiting(manager, for: 1, timeout: .seconds(60))
    try? await Task.sleep(for: .milliseconds(100))
    await manager.register(SwitchableProxy("a"))
    let (oneSatisfied, _) = await one.value
    #expect(oneSatisfied)
    await manager.register(SwitchableProxy("b"))
    let (twoSatisfied, twoTook) = await two.value
    #expect(twoSatisfied)
    #expect(twoTook < .seconds(30), "resumed by register, not by the timeout")
  }

  @Test func aRegistrationRacingTheWaiterIsNotLost() async {
    for _ in 0..<200 {
      let manager = SimpleClientManager()
      let waiter = waiting(manager, for: 1, timeout: .seconds(30))
      await manager.register(SwitchableProxy("a"))
      let (satisfied, _) = await waiter.value
      #expect(satisfied)
    }
  }

  @Test func timesOut() async {
    let manager = SimpleClientManager()
    await manager.register(SwitchableProxy("a"))
    let (satisfied, took) = await waiting(manager, for: 2, timeout: .milliseconds(150)).value
    #expect(!satisfied)
    #expect(took >= .milliseconds(150) && took < .seconds(20))
  }

  @Test func cancellationEndsTheWaitWithFalse() async {
    let manager = SimpleClientManager()
    let waiter = waiting(manager, for: 1, timeout: nil)
    try? await Task.sleep(for: .milliseconds(100))
    waiter.cancel()
    let (satisfied, took) = await waiter.value
    #expect(!satisfied)
    #expect(took < .seconds(20))
    // A task cancelled before it waits returns at once too.
    let early = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return await manager.waitFor(numClients: 1, timeout: nil)
    }
    #expect(await early.value == false)
  }

  @Test func unavailableClientsAreNotCountedWaitedForOrSampled() async {
    let manager = SimpleClientManager(seed: 1)
    let late = SwitchableProxy("late", available: false)
    await manager.register(SwitchableProxy("a"))
    await manager.register(late)
    #expect(await manager.numAvailable() == 1)
    #expect(await manager.all().count == 2)
    for _ in 0..<20 {
      let sample = await manager.sample(numClients: 1, minNumClients: 0, criterion: nil)
      #expect(sample.map(\.cid) == ["a"])
    }
    let tooMany = await manager.sample(numClients: 2, minNumClients: 0, criterion: nil)
    #expect(tooMany.isEmpty)

    let waiter = waiting(manager, for: 2, timeout: .seconds(60))
    try? await Task.sleep(for: .milliseconds(100))
    late.setAvailable(true)
    await manager.availabilityChanged(of: late)
    let (satisfied, took) = await waiter.value
    #expect(satisfied)
    #expect(took < .seconds(30))
    #expect(await manager.numAvailable() == 2)
    let both = await manager.sample(numClients: 2, minNumClients: 2, criterion: nil)
    #expect(both.count == 2)
  }
}

import Foundation
import PollenClient
import PollenCore
import PollenFlowerProto
import PollenServer
import PollenTesting
import Synchronization
import Testing

@testable import PollenGRPC

/// The server's send budget: instructions carrying the model go out a budget's worth at a time.
@Suite struct SendPacingTests {
  @Test func grantsInOrderWhileTheyFit() async throws {
    let budget = SendBudget(limit: 10, lease: .seconds(1))
    #expect(await budget.acquire(6))
    let order = Log()
    let b = Task {
      let ok = await budget.acquire(6)
      order.append("b")
      return ok
    }
    #expect(await eventually { budget.waiting == 1 })
    let c = Task {
      let ok = await budget.acquire(1)
      order.append("c")
      return ok
    }
    #expect(await eventually { budget.waiting == 2 })
    // c (1 byte) would fit beside a, but waits its turn behind b.
    #expect(order.entries.isEmpty)
    budget.release(6)
    #expect(await b.value)
    #expect(await c.value)
    #expect(budget.statistics.inFlight == 7)
    #expect(budget.statistics.peak == 7)
    #expect(budget.statistics.admitted == 3)
  }

  @Test func aMessageLargerThanTheBudgetGoesOutAlone() async {
    let budget = SendBudget(limit: 10, lease: .seconds(1))
    #expect(await budget.acquire(100))
    budget.release(100)
    #expect(await budget.acquire(100))
    #expect(budget.statistics.peak == 100)
  }

  @Test func aCancelledWaiterHoldsNothingAndDoesNotBlockTheQueue() async throws {
    let budget = SendBudget(limit: 10, lease: .seconds(1))
    #expect(await budget.acquire(10))
    let cancelled = Task { await budget.acquire(5) }
    #expect(await eventually { budget.waiting == 1 })
    let next = Task { await budget.acquire(5) }
    #expect(await eventually { budget.waiting == 2 })
    cancelled.cancel()
    #expect(await cancelled.value == false)
    budget.release(10)
    #expect(await next.value)
    #expect(budget.statistics.inFlight == 5)
  }

  @Test func aStreamThatNeverDrainsHoldsItsShareOnlyForTheLease() async {
    let pacing = SendPacing(
      budget: SendBudget(limit: 10, lease: .milliseconds(200)), gauge: StreamWriteGauge())
    let clock = ContinuousClock()
    let start = clock.now
    await pacing.waitUntilWritten(after: pacing.gauge.mark)
    #expect(clock.now - start >= .milliseconds(200))
  }

  @Test func theGaugeWakesTheWriterWhenItsWriteCompletes() async throws {
    let gauge = StreamWriteGauge()
    let mark = gauge.mark
    let waiter = Task { await gauge.waitUntilWritten(after: mark) }
    gauge.didIssue()
    try await Task.sleep(for: .milliseconds(50))
    gauge.didComplete()
    await waiter.value  // returns: a hang would fail the suite's time limit
    #expect(gauge.mark == 1)
  }

  /// Twelve clients, a 256 KiB model and a one-byte budget: every FitIns goes out alone, the
  /// round still completes with the right average, and each stream claimed its gauge.
  @Test(arguments: [1, 3 * 262_144])
  func aRoundUnderABudgetSendsAtMostTheBudgetAtOnce(limit: Int) async throws {
    let model = Parameters(tensors: [NDArray([Float](repeating: 0, count: 65_536), shape: [65_536])])
    var config = FlowerGRPCServer.Config(host: "127.0.0.1", port: 0)
    config.sendBufferSize = limit
    let manager = SimpleClientManager(sampleWaitTimeout: .seconds(30))
    try await withTimeout(.seconds(120)) { [config] in
      try await withFlowerGRPCServer(config: config, clientManager: manager) { server in
        let port = try await server.boundPort()
        try await withThrowingTaskGroup(of: Void.self) { group in
          for _ in 0..<12 {
            group.addTask {
              try await FlowerGRPCClient.run(
                server: "127.0.0.1:\(port)", client: ScriptedClient(fit: .addDelta(1, numExamples: 1)),
                config: .test)
            }
          }
          var strategy = FedAvg(fractionFit: 1, fractionEvaluate: 0, initialParameters: model)
          strategy.minFitClients = 12
          strategy.minAvailableClients = 12
          var federation = Server(
            clientManager: manager, strategy: strategy, config: ServerConfig(numRounds: 2))
          let history = await federation.fit()
          #expect(history.failures.isEmpty)
          #expect(federation.parameters.tensors.first?.doubles().allSatisfy { $0 == 2 } == true)
          let stats = try #require(server.sendBudget).statistics
          let message = OutboundServerMessage(.fit(FitIns(parameters: model))).parameterBytes
          #expect(stats.admitted == 24, "every FitIns of both rounds was paced")
          #expect(stats.peak <= max(limit, message))
          #expect(stats.peak >= message)
          #expect(server.unclaimedGauges == 0)
          await federation.disconnectAllClients(timeout: .seconds(5))
          try await group.waitForAll()
          #expect(server.sendBudget?.statistics.inFlight == 0)
        }
      }
    }
  }
}

/// What tasks did, in order.
private final class Log: Sendable {
  private let state = Mutex<[String]>([])
  func append(_ entry: String) { state.withLock { $0.append(entry) } }
  var entries: [String] { state.withLock { $0 } }
}

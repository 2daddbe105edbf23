import Logging
import PollenCore
import PollenServer
import Synchronization
import Testing

@testable import PollenSimulation

/// A client whose update is its id plus how many fits this instance has done (so a kept client
/// and a rebuilt one give different answers).
private final class TallyClient: ArrayClient, @unchecked Sendable {
  let id: Int
  private let fits = Mutex(0)
  init(id: Int) { self.id = id }

  func getParameters(config: Config) async throws -> [NDArray] { [NDArray([0.0])] }
  func fit(parameters: [NDArray], config: Config) async throws -> ArrayFitResult {
    let n = fits.withLock { n in
      n += 1
      return n
    }
    return ArrayFitResult(
      parameters: [NDArray([Double(id) + Double(n)])], numExamples: 1 + id, metrics: ["n": .int(Int64(n))])
  }
  func evaluate(parameters: [NDArray], config: Config) async throws -> ArrayEvaluateResult {
    ArrayEvaluateResult(loss: parameters[0].doubles()[0], numExamples: 1)
  }
}

/// Counts what a logger was asked to write, by message.
private final class Messages: Sendable {
  let list = Mutex<[String]>([])
}

private struct CapturingHandler: LogHandler {
  let messages: Messages
  var logLevel: Logger.Level = .trace
  var metadata: Logger.Metadata = [:]
  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }
  func log(event: LogEvent) { messages.list.withLock { $0.append("\(event.message)") } }
}

@Suite("What a library user can expect of the defaults")
struct LibraryDefaultsTests {
  static func fedAvg(logger: Logger = .pollen("test")) -> FedAvg {
    FedAvg(fractionFit: 0.3, fractionEvaluate: 0.3, minFitClients: 1, minAvailableClients: 1, logger: logger)
  }

  @Test func runningTheSameSimulationAgainReproducesTheRun() async {
    let simulation = Simulation(config: SimulationConfig(numClients: 20, seed: 5, dropoutProbability: 0.2)) {
      id in TallyClient(id: id).asClient()
    }
    let first = await simulation.run(strategy: Self.fedAvg(), rounds: 6)
    let second = await simulation.run(strategy: Self.fedAvg(), rounds: 6)
    #expect(first.parameters == second.parameters)
    #expect(first.history.lossesDistributed.map(\.loss) == second.history.lossesDistributed.map(\.loss))
    #expect(first.history.failures.map(\.cid) == second.history.failures.map(\.cid))
    #expect(!first.history.failures.isEmpty, "dropout is part of what must repeat")
  }

  @Test func theFactoryBuildsAClientPerCallByDefaultAndOncePerRunWhenAsked() async {
    for lifetime in [SimulationConfig.ClientLifetime.call, .run] {
      let built = Mutex(0)
      let simulation = Simulation(config: SimulationConfig(numClients: 4, clientLifetime: lifetime)) { id in
        built.withLock { $0 += 1 }
        return TallyClient(id: id).asClient()
      }
      var strategy = FedAvg(fractionEvaluate: 0, minFitClients: 4, minAvailableClients: 4)
      let (history, _) = await simulation.run(&strategy, rounds: 3)
      #expect(history.failures.isEmpty)
      switch lifetime {
      case .call:
        // Initial parameters (1 call) + 3 rounds × 4 fits, each from a fresh client.
        #expect(built.withLock { $0 } == 13)
      case .run:
        #expect(built.withLock { $0 } == 4, "each of the 4 clients built once")
      }
    }
  }

  @Test func aKeptClientKeepsItsState() async {
    let simulation = Simulation(config: SimulationConfig(numClients: 2, clientLifetime: .run)) { id in
      TallyClient(id: id).asClient()
    }
    var strategy = FedAvg(
      fractionEvaluate: 0, minFitClients: 2, minAvailableClients: 2,
      fitMetricsAggregation: Aggregation.weightedNumericMetricAverages)
    let (history, _) = await simulation.run(&strategy, rounds: 3)
    // Fit counts 1, 2, 3 per kept client (a per-call client would report 1 every round).
    #expect(history.metricsDistributedFit["n"]?.map(\.value.doubleValue) == [1, 2, 3])
    let again = await simulation.run(&strategy, rounds: 1)
    #expect(
      again.history.metricsDistributedFit["n"]?.map(\.value.doubleValue) == [1], "a new run builds afresh")
  }

  @Test func runLeavesTheStrategyAsTheRunLeftIt() async {
    let simulation = Simulation(config: SimulationConfig(numClients: 3)) { id in
      TallyClient(id: id).asClient()
    }
    var strategy = FedAvgM(
      fedAvg: FedAvg(fractionEvaluate: 0, minFitClients: 3, minAvailableClients: 3), serverLearningRate: 1,
      serverMomentum: 0.9)
    #expect(strategy.momentumVector == nil)
    let (_, parameters) = await simulation.run(&strategy, rounds: 3)
    #expect(strategy.momentumVector != nil, "the momentum after round 3")
    #expect(strategy.serverModel?.first == parameters.tensors.first)
  }

  @Test func fedAvgSaysOnceThatMetricsAreNotAggregated() async {
    let messages = Messages()
    let logger = Logger(label: "capture") { _ in CapturingHandler(messages: messages) }
    let simulation = Simulation(config: SimulationConfig(numClients: 5)) { id in
      TallyClient(id: id).asClient()
    }
    _ = await simulation.run(strategy: Self.fedAvg(logger: logger), rounds: 4)
    let warnings = messages.list.withLock { $0 }
    #expect(warnings.filter { $0 == "No fit_metrics_aggregation_fn provided" }.count == 1)
    #expect(warnings.filter { $0 == "No evaluate_metrics_aggregation_fn provided" }.count == 1)
  }

  @Test func pollenLogLevelSetsTheLevelOfTheLibrarysOwnLoggers() {
    #expect(Logger.pollen("x", setting: "error").logLevel == .error)
    #expect(Logger.pollen("x", defaultLevel: .debug, setting: "ERROR").logLevel == .error)
    #expect(Logger.pollen("x", setting: "not-a-level").logLevel == .info)
    #expect(Logger.pollen("x", setting: nil).logLevel == .info)
    #expect(Logger.pollen("x", defaultLevel: .warning, setting: nil).logLevel == .warning)
    if Logger.pollenLevelSetting() == nil {
      #expect(
        Simulation(config: SimulationConfig(numClients: 1)) { _ in TallyClient(id: 0).asClient() }.logger
          .logLevel == .warning, "a simulation is quiet unless asked")
    }
  }
}

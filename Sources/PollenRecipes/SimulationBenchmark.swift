import Logging
import PollenCore
import PollenServer
import PollenSimulation

/// Measures the simulation engine itself: clients whose `fit` returns the received parameters
/// plus a constant (no training), so the time is sampling, scheduling, aggregation and (with
/// `serialize`) the wire codec.
public enum SimulationBenchmark {
  public struct Result: Sendable {
    public var clientRounds: Int
    public var seconds: Double
    public var clientRoundsPerSecond: Double { Double(clientRounds) / seconds }
  }

  struct TrivialClient: Client {
    func fit(_ ins: FitIns) async throws -> FitRes {
      let p = ins.parameters.tensors.map { t in
        NDArray(t.scalars(as: Float.self).map { $0 + 0.001 }, shape: t.shape)
      }
      return FitRes(parameters: Parameters(tensors: p), numExamples: 10)
    }
    func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes { EvaluateRes(loss: 0, numExamples: 10) }
  }

  /// Runs `rounds` rounds of FedAvg over `clients` virtual clients, `fraction` of them per round,
  /// with a model of `parameters` float32 values; no federated evaluation (as Flower's benchmark).
  /// With `profiles`, every fit call is also charged simulated time (which must cost little real
  /// time: nothing sleeps).
  public static func run(
    clients: Int, fraction: Double, rounds: Int, parameters: Int, concurrency: Int, serialize: Bool = false,
    profiles: ClientProfiles? = nil
  ) async -> Result {
    let model = Parameters(tensors: [NDArray([Float](repeating: 0, count: parameters), shape: [parameters])])
    var logger = Logger.pollen("pollen.bench")
    logger.logLevel = .warning
    let sim = Simulation(
      config: SimulationConfig(
        numClients: clients, concurrency: concurrency, seed: 1, serializeMessages: serialize,
        profiles: profiles), logger: logger
    ) { _ in TrivialClient() }
    let strategy = FedAvg(
      fractionFit: fraction, fractionEvaluate: 0, minFitClients: 1, minAvailableClients: 1,
      initialParameters: model, fitMetricsAggregation: { _ in [:] })
    let clock = ContinuousClock()
    let start = clock.now
    let (history, _) = await sim.run(strategy: strategy, rounds: rounds)
    let elapsed = clock.now - start
    let perRound = max(Int(Double(clients) * fraction), 1)
    precondition(
      profiles != nil || history.failures.isEmpty, "benchmark clients failed: \(history.failures.prefix(3))")
    let seconds = elapsed.inSeconds
    return Result(clientRounds: perRound * rounds, seconds: seconds)
  }
}

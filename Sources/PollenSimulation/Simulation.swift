import Logging
import PollenCore
import PollenServer

/// Runs a federated learning simulation: the same ``Server`` round loop, with virtual clients
/// in this process instead of network connections.
///
/// ```swift
/// let sim = Simulation(config: SimulationConfig(numClients: 1000)) { id in makeClient(id) }
/// let (history, parameters) = await sim.run(strategy: FedAvg(fractionFit: 0.1), rounds: 30)
/// ```
public struct Simulation: Sendable {
  public let config: SimulationConfig
  public let clientManager: VirtualClientManager
  public var logger: Logger

  public init(
    config: SimulationConfig, logger: Logger = Logger(label: "pollen.simulation"),
    clientFactory: @escaping ClientFactory
  ) {
    self.config = config
    self.logger = logger
    let engine = VirtualClientEngine(factory: clientFactory, config: config)
    self.clientManager = VirtualClientManager(
      engine: engine, numClients: config.numClients, seed: config.seed)
  }

  /// Runs `rounds` rounds with `strategy`; returns the history and the final global parameters.
  public func run(
    strategy: any Strategy, rounds: Int, roundTimeout: Duration? = nil,
    onRoundEnd: (@Sendable (Int, History) -> Void)? = nil
  ) async -> (history: History, parameters: Parameters) {
    var server = Server(
      clientManager: clientManager, strategy: strategy,
      config: ServerConfig(numRounds: rounds, roundTimeout: roundTimeout, deterministicOrder: true),
      logger: logger)
    server.onRoundEnd = onRoundEnd
    let history = await server.fit()
    return (history, server.parameters)
  }
}

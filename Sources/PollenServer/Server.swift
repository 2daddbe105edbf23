import Logging
import PollenCore

/// The federated learning loop (Flower's legacy `Server`): initial parameters, centralised
/// evaluation at round 0, then each round fit → centralised evaluate → federated evaluate.
///
/// The server never decides how to learn; it asks its ``Strategy``. Client failures (errors,
/// timeouts, dropped clients, non-OK replies, invalid updates) are collected as
/// ``ClientFailure``s and handed to the strategy — they never stop a round. The server is a value
/// owned by one task; run it with ``fit(numRounds:)``.
public struct Server: Sendable {
  public let clientManager: any ClientManager
  public internal(set) var strategy: any Strategy
  public var config: ServerConfig
  /// The current global parameters.
  public internal(set) var parameters: Parameters = .empty
  public var logger: Logger
  /// Called after each round with the round number and the history so far (for progress bars).
  public var onRoundEnd: (@Sendable (Int, History) -> Void)?

  public init(
    clientManager: any ClientManager, strategy: any Strategy, config: ServerConfig = .defaults,
    logger: Logger = Logger(label: "pollen.server")
  ) {
    self.clientManager = clientManager
    self.strategy = strategy
    self.config = config
    self.logger = logger
  }

  /// Runs `numRounds` rounds (default: the config's) and returns the history.
  public mutating func fit(numRounds: Int? = nil) async -> History {
    let rounds = numRounds ?? config.numRounds
    var history = History()
    logger.info("[INIT] Requesting initial parameters")
    parameters = await initialParameters()
    logger.info("[INIT] Starting evaluation of initial global parameters")
    if let (loss, metrics) = await strategy.evaluate(serverRound: 0, parameters: parameters) {
      logger.info("[INIT] initial parameters (loss, other metrics): \(loss), \(metrics)")
      history.addLossCentralized(round: 0, loss: loss)
      history.addMetricsCentralized(round: 0, metrics: metrics)
    } else {
      logger.info("[INIT] Evaluation returned no results (`None`)")
    }
    let clock = ContinuousClock()
    let start = clock.now
    for round in 1...max(rounds, 1) where rounds > 0 {
      logger.info("[ROUND \(round)]")
      if let (newParameters, metrics) = await fitRound(round, history: &history) {
        if let newParameters { parameters = newParameters }
        history.addMetricsDistributedFit(round: round, metrics: metrics)
      }
      if let (loss, metrics) = await strategy.evaluate(serverRound: round, parameters: parameters) {
        logger.info("fit progress: (\(round), \(loss), \(metrics), \(clock.now - start))")
        history.addLossCentralized(round: round, loss: loss)
        history.addMetricsCentralized(round: round, metrics: metrics)
      }
      if let (loss, metrics) = await evaluateRound(round, history: &history) {
        if let loss { history.addLossDistributed(round: round, loss: loss) }
        history.addMetricsDistributed(round: round, metrics: metrics)
      }
      onRoundEnd?(round, history)
    }
    logger.info("[SUMMARY] Run finished \(rounds) round(s) in \(clock.now - start)")
    return history
  }

  /// Sends ``ReconnectIns`` to every connected client (Flower's `disconnect_all_clients`).
  public func disconnectAllClients(seconds: Int? = nil, timeout: Duration? = nil) async {
    let clients = await clientManager.all().values
    await withTaskGroup(of: Void.self) { group in
      for client in clients {
        group.addTask {
          do {
            _ = try await withTimeout(timeout) {
              try await client.reconnect(ReconnectIns(seconds: seconds), timeout: timeout)
            }
          } catch {
            // A client that goes away while being told to go away has done what was asked.
          }
        }
      }
    }
  }

  private mutating func initialParameters() async -> Parameters {
    if let p = await strategy.initializeParameters(clientManager: clientManager) {
      logger.info("Using initial global parameters provided by strategy")
      return p
    }
    logger.info("Requesting initial parameters from one random client")
    guard let client = await clientManager.sample(numClients: 1).first else {
      logger.warning("No client available for initial parameters. Empty initial parameters will be used.")
      return .empty
    }
    let timeout = config.roundTimeout
    do {
      let res = try await withTimeout(timeout) {
        try await client.getParameters(GetParametersIns(), timeout: timeout)
      }
      if res.status.code == .ok {
        logger.info("Received initial parameters from one random client")
        return res.parameters
      }
      logger.warning(
        "Failed to receive initial parameters from the client (\(res.status.message)). Empty initial parameters will be used."
      )
    } catch {
      logger.warning(
        "Failed to receive initial parameters from the client (\(error)). Empty initial parameters will be used."
      )
    }
    return .empty
  }
}

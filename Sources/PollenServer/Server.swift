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
  /// The server's operational metrics (swift-metrics; a no-op until a backend is bootstrapped).
  public var metrics = ServerMetrics()

  public init(
    clientManager: any ClientManager, strategy: any Strategy, config: ServerConfig = .defaults,
    logger: Logger = .pollen("pollen.server")
  ) {
    self.clientManager = clientManager
    self.strategy = strategy
    self.config = config
    self.logger = logger
  }

  /// Runs `numRounds` rounds (default: the config's) and returns the history.
  public mutating func fit(numRounds: Int? = nil) async -> History {
    do {
      return try await run(numRounds: numRounds)
    } catch {
      // Without a recorder or a checkpoint nothing in `run` throws.
      preconditionFailure("Server.run without a recorder threw \(error)")
    }
  }

  /// Runs the rounds after `checkpoint` (all of them without one) up to `numRounds` (default: the
  /// config's) and returns the whole history. After round 0 and after every completed round the
  /// `recorder` saves a ``RunCheckpoint``; at the end it marks the run finished.
  ///
  /// Honours task cancellation: a cancelled run abandons the round in progress (nothing of it is
  /// aggregated or saved) and returns the history of the completed rounds, so the recorder's
  /// last checkpoint is where a resumed run continues.
  ///
  /// - Throws: what `recorder` throws, and `PollenError` when the checkpoint's strategy or
  ///   sampler state does not fit this server's strategy and client manager.
  public mutating func run(
    numRounds: Int? = nil, resumingFrom checkpoint: RunCheckpoint? = nil, recorder: (any RunRecorder)? = nil
  ) async throws -> History {
    let rounds = numRounds ?? config.numRounds
    let clock = ContinuousClock()
    var history: History
    let firstRound: Int
    if let checkpoint {
      try strategy.restoreState(checkpoint.strategyState)
      if let sampler = checkpoint.samplerState { try await clientManager.restoreSamplerState(sampler) }
      parameters = checkpoint.parameters
      history = checkpoint.history
      firstRound = checkpoint.round + 1
      logger.info("[RESUME] continuing after round \(checkpoint.round) of \(rounds)")
    } else {
      history = History()
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
      if Task.isCancelled { return history }
      try await save(round: 0, history: history, to: recorder)
      firstRound = 1
    }
    let start = clock.now
    var round = firstRound
    while round <= rounds, !Task.isCancelled {
      if let reason = strategy.stopReason(beforeRound: round) {
        logger.notice("[SUMMARY] Run stopped after round \(round - 1) of \(rounds): \(reason)")
        history.stopped = (round - 1, reason)
        try recorder?.finish(rounds: round - 1)
        return history
      }
      logger.info("[ROUND \(round)]")
      metrics.roundStarted(round)
      let roundStart = clock.now
      var timing = RoundTiming(round: round)
      var next = history
      if let (newParameters, metrics) = await fitRound(round, history: &next, timing: &timing) {
        if let newParameters { parameters = newParameters }
        next.addMetricsDistributedFit(round: round, metrics: metrics)
      }
      if Task.isCancelled { break }
      let central = clock.now
      if let (loss, metrics) = await strategy.evaluate(serverRound: round, parameters: parameters) {
        logger.info("fit progress: (\(round), \(loss), \(metrics), \(clock.now - start))")
        next.addLossCentralized(round: round, loss: loss)
        next.addMetricsCentralized(round: round, metrics: metrics)
      }
      timing.centralEvaluateSeconds = (clock.now - central).inSeconds
      let federated = clock.now
      if let (loss, metrics) = await evaluateRound(round, history: &next, timing: &timing) {
        if let loss { next.addLossDistributed(round: round, loss: loss) }
        next.addMetricsDistributed(round: round, metrics: metrics)
      }
      timing.evaluateSeconds = (clock.now - federated).inSeconds
      if Task.isCancelled { break }
      timing.roundSeconds = (clock.now - roundStart).inSeconds
      next.timings.append(timing)
      history = next
      try await save(round: round, history: history, to: recorder)
      metrics.roundFinished(round, seconds: timing.roundSeconds)
      onRoundEnd?(round, history)
      round += 1
    }
    if Task.isCancelled {
      logger.notice("[SUMMARY] Run cancelled after round \(round - 1) of \(rounds)")
      return history
    }
    try recorder?.finish(rounds: rounds)
    logger.info("[SUMMARY] Run finished \(rounds) round(s) in \(clock.now - start)")
    return history
  }

  /// Saves the run after `round` with `recorder`.
  private func save(round: Int, history: History, to recorder: (any RunRecorder)?) async throws {
    guard let recorder else { return }
    try recorder.record(
      RunCheckpoint(
        round: round, parameters: parameters, history: history, strategyState: strategy.exportState(),
        samplerState: await clientManager.samplerState()))
  }

  /// Sends `ReconnectIns` to every connected client (Flower's `disconnect_all_clients`).
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

  /// How many clients are asked for the initial parameters before empty ones are used.
  static let initialParametersAttempts = 5

  private mutating func initialParameters() async -> Parameters {
    if let p = await strategy.initializeParameters(clientManager: clientManager) {
      logger.info("Using initial global parameters provided by strategy")
      return p
    }
    logger.info("Requesting initial parameters from one random client")
    let timeout = strategy.roundTimeout(serverRound: 0) ?? config.roundTimeout(forRound: 0)
    // A client that vanishes or times out is no answer (Flower would fail the run): up to
    // `initialParametersAttempts` clients are asked, the first by the sampler, then the others
    // in cid order. A client that answers with a non-OK status is an answer, as in Flower.
    var tried: Set<String> = []
    var next = await clientManager.sample(numClients: 1).first
    while let client = next, tried.count < Self.initialParametersAttempts {
      tried.insert(client.cid)
      do {
        let res =
          client.enforcesTimeouts
          ? try await client.getParameters(GetParametersIns(), timeout: timeout)
          : try await withTimeout(timeout) {
            try await client.getParameters(GetParametersIns(), timeout: timeout)
          }
        if res.status.code == .ok {
          logger.info("Received initial parameters from one random client")
          return res.parameters
        }
        logger.warning(
          "Failed to receive initial parameters from the client (\(res.status.message)). Empty initial parameters will be used."
        )
        return .empty
      } catch {
        logger.warning(
          "Client \(client.cid) did not give initial parameters (\(error)); asking another client")
      }
      next = await clientManager.all().values.filter { !tried.contains($0.cid) && $0.isAvailable }
        .min { $0.cid < $1.cid }
    }
    logger.warning(
      "No client gave initial parameters (\(tried.count) asked). Empty initial parameters will be used.")
    return .empty
  }
}

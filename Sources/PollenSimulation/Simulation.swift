import Logging
import PollenCore
import PollenServer
import Synchronization

/// Runs a federated learning simulation: the same `Server` round loop, with virtual clients
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
    config: SimulationConfig, logger: Logger = .pollen("pollen.simulation", defaultLevel: .warning),
    clientFactory: @escaping ClientFactory
  ) {
    self.config = config
    self.logger = logger
    let engine = VirtualClientEngine(factory: clientFactory, config: config)
    self.clientManager = VirtualClientManager(
      engine: engine, numClients: config.numClients, seed: config.seed)
  }

  /// Runs `rounds` rounds with `strategy`; returns the history and the final global parameters.
  ///
  /// Every run starts from the configuration's seed (sampling, dropout, the virtual clock), so
  /// running the same `Simulation` again with the same strategy reproduces the run.
  ///
  /// With ``SimulationConfig/profiles`` the history's `History/simulatedTime` holds each
  /// round's simulated duration (its slowest fit call; see ``ClientProfile``); nothing sleeps.
  public func run(
    strategy: any Strategy, rounds: Int, roundTimeout: Duration? = nil,
    onRoundEnd: (@Sendable (Int, History) -> Void)? = nil
  ) async -> (history: History, parameters: Parameters) {
    do {
      return try await run(
        strategy: strategy, rounds: rounds, roundTimeout: roundTimeout, resumingFrom: nil, recorder: nil,
        onRoundEnd: onRoundEnd)
    } catch {
      preconditionFailure("a simulation without a recorder threw \(error)")
    }
  }

  /// Runs the rounds after `checkpoint` (all without one), saving each with `recorder` (see
  /// `Server/run(numRounds:resumingFrom:recorder:)`). Virtual clients derive their randomness
  /// from (seed, client, round), so with the strategy's and the sampler's state restored a
  /// resumed run is identical to an uninterrupted one — except with ``SimulationConfig/profiles``
  /// (the virtual clock) or a dropout probability, whose state is not saved; `pollen simulate`
  /// refuses `--state` with those.
  public func run(
    strategy: any Strategy, rounds: Int, roundTimeout: Duration? = nil,
    resumingFrom checkpoint: RunCheckpoint?,
    recorder: (any RunRecorder)?, onRoundEnd: (@Sendable (Int, History) -> Void)? = nil
  ) async throws -> (history: History, parameters: Parameters) {
    var strategy = strategy
    return try await run(
      &strategy, rounds: rounds, roundTimeout: roundTimeout, resumingFrom: checkpoint, recorder: recorder,
      onRoundEnd: onRoundEnd)
  }

  /// Runs `rounds` rounds and leaves `strategy` as the run left it (its state after the last
  /// round: a FedAvgM's momentum, a FedAdam's moments, a wrapper's counters), to inspect or to
  /// run on with.
  public func run<S: Strategy>(
    _ strategy: inout S, rounds: Int, roundTimeout: Duration? = nil,
    onRoundEnd: (@Sendable (Int, History) -> Void)? = nil
  ) async -> (history: History, parameters: Parameters) {
    do {
      return try await run(
        &strategy, rounds: rounds, roundTimeout: roundTimeout, resumingFrom: nil, recorder: nil,
        onRoundEnd: onRoundEnd)
    } catch {
      preconditionFailure("a simulation without a recorder threw \(error)")
    }
  }

  private func run<S: Strategy>(
    _ strategy: inout S, rounds: Int, roundTimeout: Duration?, resumingFrom checkpoint: RunCheckpoint?,
    recorder: (any RunRecorder)?, onRoundEnd: (@Sendable (Int, History) -> Void)?
  ) async throws -> (history: History, parameters: Parameters) {
    // A resumed run restores the sampler from its checkpoint; a fresh one starts from the seed.
    clientManager.reset()
    var serverConfig = ServerConfig(
      numRounds: rounds, roundTimeout: roundTimeout, deterministicOrder: true)
    serverConfig.secureAggregation = config.secureAggregation
    var server = Server(
      clientManager: clientManager, strategy: strategy, config: serverConfig, logger: logger)
    let clock = clientManager.engine.clock
    let timed = config.profiles != nil
    let times = RoundTimes()
    server.onRoundEnd = { round, history in
      guard timed else {
        onRoundEnd?(round, history)
        return
      }
      var history = history
      history.simulatedTime = times.append(round: round, seconds: clock.drainRound())
      onRoundEnd?(round, history)
    }
    var history = try await server.run(resumingFrom: checkpoint, recorder: recorder)
    if timed { history.simulatedTime = times.all }
    if let final = server.strategy as? S { strategy = final }
    return (history, server.parameters)
  }
}

/// Each round's simulated seconds, appended from the server's round-end callback.
final class RoundTimes: Sendable {
  private let times = Mutex<[(round: Int, seconds: Double)]>([])

  /// Appends a round and returns all rounds so far.
  func append(round: Int, seconds: Double) -> [(round: Int, seconds: Double)] {
    times.withLock {
      $0.append((round, seconds))
      return $0
    }
  }

  var all: [(round: Int, seconds: Double)] { times.withLock { $0 } }
}

import PollenCore

/// Everything a run needs to continue after its last completed round: what a run store saves at
/// the end of every round, in one transaction, and gives back to `Server/run(resumingFrom:recorder:)`.
public struct RunCheckpoint: Sendable {
  /// The last completed round (0: initial parameters and their centralised evaluation only).
  public var round: Int
  /// The global parameters after that round.
  public var parameters: Parameters
  /// The history so far (all rounds up to and including `round`).
  public var history: History
  /// The strategy's state after that round (``Strategy/exportState()``).
  public var strategyState: StrategyState
  /// The client sampler's random state (``ClientManager/samplerState()``), if it has one.
  public var samplerState: [UInt64]?

  public init(
    round: Int, parameters: Parameters, history: History, strategyState: StrategyState,
    samplerState: [UInt64]?
  ) {
    self.round = round
    self.parameters = parameters
    self.history = history
    self.strategyState = strategyState
    self.samplerState = samplerState
  }
}

/// Saves a run's progress: ``Server`` calls ``record(_:)`` after round 0 and after every
/// completed round, and ``finish(rounds:)`` when the last round is done. A recorder that throws
/// stops the run (a server that cannot save its progress should not keep training).
public protocol RunRecorder: Sendable {
  /// Saves `checkpoint` durably before returning (one transaction per round).
  func record(_ checkpoint: RunCheckpoint) throws
  /// Marks the run finished after `rounds` rounds.
  func finish(rounds: Int) throws
}

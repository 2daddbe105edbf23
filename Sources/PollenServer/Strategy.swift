import PollenCore

/// A client's successful fit reply, with the client it came from.
public typealias FitResult = (client: any ClientProxy, res: FitRes)
/// A client's successful evaluate reply, with the client it came from.
public typealias EvaluateResult = (client: any ClientProxy, res: EvaluateRes)
/// An instruction for one client.
public typealias FitInstruction = (client: any ClientProxy, ins: FitIns)
/// An instruction for one client.
public typealias EvaluateInstruction = (client: any ClientProxy, ins: EvaluateIns)

/// One client's failure in a round: an error, a timeout, a dropped stream, a reply whose status
/// is not OK, or an update the server rejected (bad shape, NaN, …). Failures are data.
public struct ClientFailure: Sendable, CustomStringConvertible {
  /// The client's id.
  public var cid: String
  /// What went wrong.
  public var error: PollenError

  public init(cid: String, error: PollenError) {
    self.cid = cid
    self.error = error
  }

  public var description: String { "client \(cid): \(error)" }
}

/// The federated learning algorithm: which clients do what, and how their results combine
/// (Flower's `Strategy`, with the same six methods).
///
/// Strategies are values; the ``Server`` owns one and calls its mutating methods from a single
/// task, so a strategy may keep state (momentum, optimiser moments) in stored properties.
public protocol Strategy: Sendable {
  /// The initial global parameters, or `nil` to ask one random client for them.
  mutating func initializeParameters(clientManager: any ClientManager) async -> Parameters?
  /// The clients to train this round and their instructions; empty skips the round.
  mutating func configureFit(serverRound: Int, parameters: Parameters, clientManager: any ClientManager)
    async -> [FitInstruction]
  /// Folds one successful result into a running aggregate as it arrives.
  ///
  /// Returning `true` tells the server that the strategy kept what it needs: the server then
  /// passes that result to ``aggregateFit(serverRound:results:failures:)`` with empty
  /// parameters, keeping memory O(model). The default returns `false`.
  mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool
  /// The state this strategy carries between rounds (see ``StrategyState``), saved by a run store
  /// after every round. Strategies without such state need not implement it (default: empty).
  func exportState() -> StrategyState
  /// Restores what ``exportState()`` returned, before a resumed run's next round.
  /// Throws `PollenError` when `state` does not fit this strategy. Default: accepts only an empty state.
  mutating func restoreState(_ state: StrategyState) throws
  /// The new global parameters (or `nil` to keep the old ones) and aggregated metrics.
  mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  /// The clients to evaluate this round and their instructions; empty skips federated evaluation.
  mutating func configureEvaluate(serverRound: Int, parameters: Parameters, clientManager: any ClientManager)
    async -> [EvaluateInstruction]
  /// The aggregated loss (or `nil`) and metrics of federated evaluation.
  mutating func aggregateEvaluate(serverRound: Int, results: [EvaluateResult], failures: [ClientFailure])
    -> (loss: Double?, metrics: Metrics)
  /// Centralised evaluation on the server, or `nil` when the strategy has none.
  mutating func evaluate(serverRound: Int, parameters: Parameters) async -> (loss: Double, metrics: Metrics)?
  /// The time limit of each client call in round `serverRound` (flwrlabs/flower#3234), or `nil`
  /// (the default) for ``ServerConfig/roundTimeouts``.
  func roundTimeout(serverRound: Int) -> Duration?
  /// Why the run must end before round `serverRound` (a privacy budget that round would
  /// exceed), or `nil` (the default) to go on. The server then stops cleanly after the previous
  /// round and records the reason in ``History/stopped``.
  func stopReason(beforeRound serverRound: Int) -> String?
}

extension Strategy {
  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool { false }
  public func roundTimeout(serverRound: Int) -> Duration? { nil }
  public func stopReason(beforeRound serverRound: Int) -> String? { nil }
  public func exportState() -> StrategyState { .empty }
  public mutating func restoreState(_ state: StrategyState) throws {
    guard state.isEmpty else {
      throw PollenError(
        .invalidArgument,
        "\(type(of: self)) keeps no state, but the store holds \(state.arrays.count + state.scalars.count) entries"
      )
    }
  }
}

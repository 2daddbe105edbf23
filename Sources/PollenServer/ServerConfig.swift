import PollenCore

/// How the ``Server`` runs (Flower's `ServerConfig`).
public struct ServerConfig: Sendable, Hashable {
  /// The number of federated rounds.
  public var numRounds: Int
  /// The time limit of each client call, per round: round `r` uses `roundTimeouts[r - 1]`, and
  /// rounds past the end of the list use its last value (`[20 s, 40 s, 60 s]`: round 1 → 20 s,
  /// round 2 → 40 s, round 3 and later → 60 s). Empty: no limit. A client that exceeds its
  /// limit is a failure of that round (a network client keeps its stream, see
  /// `ClientProxy/isAvailable`). A strategy may override it per round with
  /// ``Strategy/roundTimeout(serverRound:)``.
  public var roundTimeouts: [Duration]
  /// Reject fit results whose tensors differ from the global model in count, shape or dtype,
  /// or that contain NaN or infinity. Turn off only for strategies that expect other shapes.
  public var validateUpdates: Bool
  /// Hand results to the strategy in instruction order rather than arrival order, so that
  /// floating-point sums (and so the whole run) are identical for a seed. Results that arrive
  /// early wait in a reorder buffer, which costs memory when an early client is slow; simulations
  /// turn it on, network servers leave it off.
  ///
  /// The reorder buffer is not bounded by ``maxBufferedUpdates``: it holds every result that
  /// arrived before an earlier one, up to all of a round's results (O(K × model)) when the first
  /// client is the slowest. In-process simulation clients produce their results with bounded
  /// concurrency, which keeps it small there.
  public var deterministicOrder: Bool
  /// The most fit results held at once between their arrival and the moment the strategy has
  /// folded them in (default 4); a result that arrives when the limit is reached waits for a
  /// slot (see ``UpdateBudget``), so a strategy that folds results in (FedAvg and the strategies
  /// built on it) holds O(model) memory for any number of clients. `nil`: no limit. Ignored when
  /// ``deterministicOrder`` is on.
  public var maxBufferedUpdates: Int?
  /// The workflow behind ``secureAggregation`` (`nil`: plain fit rounds).
  var secureAggregationBox: SecureFitWorkflowBox? = nil

  /// A configuration; `roundTimeouts`, when given, replaces the single `roundTimeout`.
  public init(
    numRounds: Int = 1, roundTimeout: Duration? = nil, roundTimeouts: [Duration]? = nil,
    validateUpdates: Bool = true, deterministicOrder: Bool = false, maxBufferedUpdates: Int? = 4
  ) {
    self.numRounds = numRounds
    self.roundTimeouts = roundTimeouts ?? roundTimeout.map { [$0] } ?? []
    self.validateUpdates = validateUpdates
    self.deterministicOrder = deterministicOrder
    self.maxBufferedUpdates = maxBufferedUpdates.map { max(1, $0) }
  }

  /// One round, no timeout, updates validated.
  public static var defaults: ServerConfig { ServerConfig() }
}

extension ServerConfig {
  /// One time limit for every round (setting it replaces ``roundTimeouts``); reads the limit of
  /// round 1 and the initial `get_parameters` call. `nil`: no limit.
  public var roundTimeout: Duration? {
    get { roundTimeouts.first }
    set { roundTimeouts = newValue.map { [$0] } ?? [] }
  }

  /// The time limit of round `round` from ``roundTimeouts`` (rounds ≤ 1, including the initial
  /// parameters at round 0, use the first value); `nil`: no limit.
  public func roundTimeout(forRound round: Int) -> Duration? {
    guard let last = roundTimeouts.last else { return nil }
    let index = max(round, 1) - 1
    return index < roundTimeouts.count ? roundTimeouts[index] : last
  }

  /// Parses per-round time limits in seconds, comma-separated: `"60"` (every round) or
  /// `"20,40,60"` (round 1, round 2, then every later round); fractions are allowed (`"0.5"`).
  ///
  /// - Throws: `PollenError/Code-swift.struct/invalidArgument` naming the bad entry: empty,
  ///   not a number, not positive or not finite.
  public static func roundTimeouts(parsing text: String) throws -> [Duration] {
    let entries = text.split(separator: ",", omittingEmptySubsequences: false)
    return try entries.enumerated().map { index, entry in
      var trimmed = entry
      while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
      while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
      let position = entries.count == 1 ? "" : " (entry \(index + 1) of \"\(text)\")"
      guard !trimmed.isEmpty else {
        throw PollenError(.invalidArgument, "round timeout is empty\(position): give seconds, e.g. 20,40,60")
      }
      guard let seconds = Double(trimmed), seconds.isFinite else {
        throw PollenError(
          .invalidArgument, "round timeout \"\(trimmed)\" is not a number of seconds\(position)")
      }
      guard seconds > 0, seconds <= 1e9 else {
        throw PollenError(
          .invalidArgument, "round timeout \(trimmed) must be positive and at most 1e9 seconds\(position)")
      }
      return .seconds(seconds)
    }
  }
}

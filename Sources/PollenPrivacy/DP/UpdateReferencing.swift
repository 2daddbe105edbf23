import PollenCore

/// A DP wrapper that measures each update from the round's global model, which its
/// `configureFit` records (a replay of recorded rounds sets it directly).
public protocol UpdateReferencing {
  /// The round's global model (Flower's `current_round_params`).
  var currentRoundParameters: [NDArray] { get set }
}

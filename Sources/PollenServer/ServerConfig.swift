/// How the ``Server`` runs (Flower's `ServerConfig`).
public struct ServerConfig: Sendable, Hashable {
  /// The number of federated rounds.
  public var numRounds: Int
  /// The time limit of each client call; a client that exceeds it is a failure (and a network
  /// client is dropped). `nil`: no limit.
  public var roundTimeout: Duration?
  /// Reject fit results whose tensors differ from the global model in count, shape or dtype,
  /// or that contain NaN or infinity. Turn off only for strategies that expect other shapes.
  public var validateUpdates: Bool
  /// Hand results to the strategy in instruction order rather than arrival order, so that
  /// floating-point sums (and so the whole run) are identical for a seed. Results that arrive
  /// early wait in a reorder buffer, which costs memory when an early client is slow; simulations
  /// turn it on, network servers leave it off.
  public var deterministicOrder: Bool

  public init(
    numRounds: Int = 1, roundTimeout: Duration? = nil, validateUpdates: Bool = true,
    deterministicOrder: Bool = false
  ) {
    self.numRounds = numRounds
    self.roundTimeout = roundTimeout
    self.validateUpdates = validateUpdates
    self.deterministicOrder = deterministicOrder
  }

  /// One round, no timeout, updates validated.
  public static var defaults: ServerConfig { ServerConfig() }
}

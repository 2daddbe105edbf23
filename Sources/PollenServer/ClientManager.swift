import PollenCore

/// Decides whether a client may be sampled.
public protocol ClientCriterion: Sendable {
  func select(_ client: any ClientProxy) -> Bool
}

/// Keeps track of the connected clients and samples them for rounds (Flower's `ClientManager`).
public protocol ClientManager: AnyObject, Sendable {
  /// The number of clients available now.
  func numAvailable() async -> Int
  /// Adds a client; returns `false` if a client with the same `cid` is already registered.
  @discardableResult func register(_ client: any ClientProxy) async -> Bool
  /// Removes a client (no effect if it is not registered).
  func unregister(_ client: any ClientProxy) async
  /// All registered clients by `cid`.
  func all() async -> [String: any ClientProxy]
  /// Waits until at least `numClients` are available; `false` if `timeout` passed first.
  func waitFor(numClients: Int, timeout: Duration?) async -> Bool
  /// A registered client's `ClientProxy/isAvailable` became `true` again (it delivered its
  /// late reply), so waiters may be satisfied. The default does nothing.
  func availabilityChanged(of client: any ClientProxy) async
  /// Samples `numClients` clients without replacement, after waiting for `minNumClients`
  /// (default: `numClients`). Returns none if fewer than `numClients` pass `criterion`.
  func sample(numClients: Int, minNumClients: Int?, criterion: (any ClientCriterion)?) async
    -> [any ClientProxy]
  /// The sampler's random state, to save with a run (see `ClientManager+SamplerState.swift`).
  func samplerState() async -> [UInt64]?
  /// Continues from a saved ``samplerState()``.
  func restoreSamplerState(_ state: [UInt64]) async throws
}

extension ClientManager {
  public func availabilityChanged(of client: any ClientProxy) async {}

  public func sample(numClients: Int) async -> [any ClientProxy] {
    await sample(numClients: numClients, minNumClients: nil, criterion: nil)
  }
}

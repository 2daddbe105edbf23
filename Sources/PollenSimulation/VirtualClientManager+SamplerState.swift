import PollenCore
import PollenServer

extension VirtualClientManager {
  /// The sampling generator's state.
  public func samplerState() async -> [UInt64]? { state.withLock { $0.rng.state } }

  /// Continues sampling from a saved state.
  public func restoreSamplerState(_ saved: [UInt64]) async throws {
    guard let rng = SeededRandom(state: saved) else {
      throw PollenError(.invalidArgument, "the stored sampler state is not a random generator state")
    }
    state.withLock { $0.rng = rng }
  }
}

import PollenCore

extension SimpleClientManager {
  /// The sampling generator's state.
  public func samplerState() -> [UInt64]? { rng.state }

  /// Continues sampling from a saved state.
  public func restoreSamplerState(_ state: [UInt64]) throws {
    guard let saved = SeededRandom(state: state) else {
      throw PollenError(.invalidArgument, "the stored sampler state is not a random generator state")
    }
    rng = saved
  }
}

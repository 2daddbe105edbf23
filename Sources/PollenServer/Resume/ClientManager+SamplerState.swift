import PollenCore

extension ClientManager {
  /// The sampler's random state, saved with a run so a resumed run samples as the original
  /// would; `nil` (the default) when the manager has none to save.
  public func samplerState() async -> [UInt64]? { nil }
  /// Continues sampling from a saved ``samplerState()`` (default: ignored).
  public func restoreSamplerState(_ state: [UInt64]) async throws {}
}

extension Duration {
  /// The duration in seconds, as a `Double` (for timings, rates and backoff arithmetic).
  public var inSeconds: Double {
    let (s, atto) = components
    return Double(s) + Double(atto) * 1e-18
  }
}

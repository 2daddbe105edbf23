/// A counting semaphore for async code: at most `capacity` units are held at once; waiters are
/// served first come, first served.
actor ConcurrencyLimiter {
  private var available: Int
  private var waiters: [(units: Int, continuation: CheckedContinuation<Void, Never>)] = []

  init(capacity: Int) { available = capacity }

  func acquire(_ units: Int) async {
    if waiters.isEmpty && available >= units {
      available -= units
      return
    }
    await withCheckedContinuation { waiters.append((units, $0)) }
  }

  func release(_ units: Int) {
    available += units
    while let first = waiters.first, first.units <= available {
      available -= first.units
      waiters.removeFirst()
      first.continuation.resume()
    }
  }

  /// Runs `body` holding `units`.
  func withUnits<T: Sendable>(_ units: Int, _ body: @Sendable () async throws -> T) async throws -> T {
    await acquire(units)
    defer { release(units) }
    try Task.checkCancellation()
    return try await body()
  }
}

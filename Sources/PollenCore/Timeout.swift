/// Runs `operation`, throwing ``PollenError/Code-swift.struct/timeout`` if it has not finished
/// after `timeout`; the operation's task is cancelled then. With `nil`, no limit applies.
public func withTimeout<T: Sendable>(
  _ timeout: Duration?,
  operation: @escaping @Sendable () async throws -> T
) async throws -> T {
  guard let timeout else { return try await operation() }
  return try await withThrowingTaskGroup(of: T.self) { group in
    group.addTask { try await operation() }
    group.addTask {
      try await Task.sleep(for: timeout)
      throw PollenError(.timeout, "no reply within \(timeout)")
    }
    defer { group.cancelAll() }
    return try await group.next()!
  }
}

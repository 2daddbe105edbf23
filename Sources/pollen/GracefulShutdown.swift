import Logging
import ServiceLifecycle
import Synchronization

/// Runs `operation` as a swift-service-lifecycle service: SIGTERM or SIGINT start a graceful
/// shutdown, which cancels `operation` (``PollenServer/Server`` then abandons the round in
/// progress and returns what it completed). Returns the operation's value.
func runUntilShutdownSignal<T: Sendable>(
  logger: Logger, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
  let result = ResultBox<T>()
  let service = ClosureService {
    let value = try await cancelWhenGracefulShutdown(operation)
    result.set(value)
  }
  try await runWithShutdownSignals(service, logger: logger)
  guard let value = result.value else { throw CancellationError() }
  return value
}

/// Runs `service` in a `ServiceGroup` whose graceful shutdown SIGTERM and SIGINT trigger; the
/// group ends when the service returns.
func runWithShutdownSignals(_ service: some Service, logger: Logger) async throws {
  let group = ServiceGroup(
    configuration: ServiceGroupConfiguration(
      services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
  try await group.run()
}

/// Holds a service's result for the caller of its group.
private final class ResultBox<T: Sendable>: Sendable {
  private let storage = Mutex<T?>(nil)
  func set(_ value: T) { storage.withLock { $0 = value } }
  var value: T? { storage.withLock { $0 } }
}

import Logging
import PollenClient
import PollenCore

/// Connects a ``Client`` to a server that speaks Flower's protocol (a Flower server started with
/// `start_server`, or a Pollen ``FlowerGRPCServer``) — Flower's `start_client` with
/// `transport="grpc-bidi"`.
public enum FlowerGRPCClient {
  /// Joins the server at `server` (`"host:port"`, `"[::1]:port"`) and answers its instructions
  /// until it sends `ReconnectIns` without a delay.
  ///
  /// `ReconnectIns` with `seconds > 0` makes the client sleep that long and join again. Failed
  /// connections and broken streams are retried with ``Config/backoff``; a ``Client`` that
  /// throws ends the stream (the server sees a failure) and, by default, the client joins again.
  /// Cancelling the task stops the client.
  ///
  /// - Throws: ``PollenError``: `invalidArgument` for a malformed address, `disconnected` when
  ///   the backoff gives up, `clientFailed` when the client throws and the policy is `.stop`;
  ///   `CancellationError` when cancelled.
  public static func run(
    server: String, client: any Client, config: Config = .defaults,
    logger: Logger = Logger(label: "pollen.grpc.client")
  ) async throws {
    let address = try ServerAddress(parsing: server)
    let session = ClientSession(
      address: address, dispatcher: ClientDispatcher(client: client), config: config, logger: logger)
    let clock = ContinuousClock()
    var failedAttempts = 0
    var firstAttempt = clock.now
    while true {
      try Task.checkCancellation()
      if failedAttempts == 0 { firstAttempt = clock.now }
      logger.debug("joining \(address)")
      switch await session.run() {
      case .disconnect(reconnectAfter: nil):
        logger.info("Disconnect and shut down")
        return
      case .disconnect(reconnectAfter: let delay?):
        logger.info("Disconnect, then re-establish connection after \(delay)")
        failedAttempts = 0
        try await Task.sleep(for: delay)
      case .clientError(let error, _) where config.onClientError == .stop:
        throw error
      case .failed(let error, let exchanges), .clientError(let error, let exchanges):
        try Task.checkCancellation()
        if exchanges > 0 {
          failedAttempts = 0
          firstAttempt = clock.now
        }
        failedAttempts += 1
        let elapsed = clock.now - firstAttempt
        guard
          let delay = config.backoff.delay(
            afterFailedAttempt: failedAttempts, elapsed: elapsed, random: Double.random(in: 0..<1))
        else {
          logger.warning("Giving up reconnection after \(elapsed) and \(failedAttempts) tries")
          throw PollenError(
            .disconnected, "giving up after \(failedAttempts) tries in \(elapsed): \(error.message)",
            cause: error)
        }
        logger.warning("\(error.message); retrying in \(delay)")
        try await Task.sleep(for: delay)
      }
    }
  }
}

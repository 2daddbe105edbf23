import Logging
import PollenClient
import PollenCore
import PollenServer

/// Connects a `Client` to a server that speaks Flower's protocol (a Flower server started with
/// `start_server`, or a Pollen ``FlowerGRPCServer``) — Flower's `start_client` with
/// `transport="grpc-bidi"`.
public enum FlowerGRPCClient {
  /// Joins the server at `server` (`"host:port"`, `"[::1]:port"`) and answers its instructions
  /// until it sends `ReconnectIns` without a delay.
  ///
  /// `ReconnectIns` with `seconds > 0` makes the client sleep that long and join again. Failed
  /// connections and broken streams are retried with ``Config/backoff``; a `Client` that
  /// throws ends the stream (the server sees a failure) and, by default, the client joins again.
  /// Cancelling the task stops the client.
  ///
  /// - Throws: `PollenError`: `invalidArgument` for a malformed address, `disconnected` when
  ///   the backoff gives up, `clientFailed` when the client throws and the policy is `.stop`;
  ///   `CancellationError` when cancelled.
  public static func run(
    server: String, client: any Client, config: Config = .defaults,
    logger: Logger = .pollen("pollen.grpc.client")
  ) async throws {
    let address = try ServerAddress(parsing: server)
    let session = ClientSession(
      address: address, dispatcher: ClientDispatcher(client: client), config: config, logger: logger)
    let clock = ContinuousClock()
    var machine = ReconnectStateMachine(
      backoff: config.backoff, stopOnClientError: config.onClientError == .stop)
    var action = machine.start(at: clock.now)
    while true {
      try Task.checkCancellation()
      switch action {
      case .join:
        logger.debug("joining \(address)")
        let event: ReconnectStateMachine.Event
        switch await session.run() {
        case .disconnect(let after): event = .disconnected(reconnectAfter: after)
        case .failed(let error, let exchanges): event = .failed(error, exchanges: exchanges)
        case .clientError(let error, let exchanges): event = .clientError(error, exchanges: exchanges)
        }
        try Task.checkCancellation()
        action = machine.sessionEnded(event, at: clock.now, random: Double.random(in: 0..<1))
        switch (event, action) {
        case (.disconnected(let after?), _):
          logger.info("Disconnect, then re-establish connection after \(after)")
        case (.failed(let error, _), .wait(let delay)), (.clientError(let error, _), .wait(let delay)):
          logger.warning("\(error.message); retrying in \(delay)")
        case (_, .fail(let error)): logger.warning("\(error.message)")
        default: break
        }
      case .wait(let delay):
        try await Task.sleep(for: delay)
        action = machine.waited(at: clock.now)
      case .stop:
        logger.info("Disconnect and shut down")
        return
      case .fail(let error):
        throw error
      }
    }
  }
}

import ArgumentParser
import Logging
import PollenCore
import PollenMetrics

/// `--metrics-address HOST:PORT`: a Prometheus `/metrics` endpoint for `pollen server` and
/// `pollen simulate`.
struct MetricsOptions: ParsableArguments {
  @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (port 0: a free port)")
  var metricsAddress: String?

  func validate() throws {
    if let metricsAddress { _ = try ServerAddress(parsing: metricsAddress) }
  }

  /// Starts the endpoint when `--metrics-address` is given and logs
  /// `metrics on http://HOST:PORT/metrics` (the bound port) at info level; `nil` without the option.
  func start(logger: Logger) async throws -> MetricsEndpoint? {
    guard let metricsAddress else { return nil }
    let address = try ServerAddress(parsing: metricsAddress)
    let endpoint = try await MetricsEndpoint.start(host: address.host, port: address.port, logger: logger)
    logger.info("metrics on http://\(address.with(port: endpoint.port))/metrics")
    return endpoint
  }
}

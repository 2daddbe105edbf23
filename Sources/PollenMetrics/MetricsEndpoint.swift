import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// An HTTP endpoint that serves the process's swift-metrics at `GET /metrics` in Prometheus text
/// format (for a Prometheus server to scrape, or `curl`).
///
/// The first ``start(host:port:logger:)`` bootstraps swift-metrics with a Prometheus registry;
/// later endpoints in the same process reuse it. Metrics objects created before that bootstrap
/// are no-ops, so emit metrics through objects created at the point of use (as `ServerMetrics`
/// does). The server is a small SwiftNIO HTTP/1.1 server on the shared event loop group; a
/// malformed request gets 400 and its connection is closed, other paths get 404.
public final class MetricsEndpoint: Sendable {
  private let channel: any Channel
  private let connections: ConnectionSet
  private let logger: Logger

  /// The bound port (the one the system chose when started with port 0).
  public let port: Int

  private init(channel: any Channel, connections: ConnectionSet, port: Int, logger: Logger) {
    self.channel = channel
    self.connections = connections
    self.port = port
    self.logger = logger
  }

  /// Bootstraps swift-metrics with a Prometheus registry (once per process; later calls reuse it)
  /// and serves `GET /metrics` in Prometheus text format on `host:port` (port 0: a free port).
  /// Other paths: 404.
  ///
  /// - Throws: the bind error (address in use, unknown host, …).
  public static func start(host: String, port: Int, logger: Logger) async throws -> MetricsEndpoint {
    let registry = PrometheusBackend.registry
    let connections = ConnectionSet()
    let handlerLogger = logger
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .serverChannelOption(.backlog, value: 64)
      .childChannelInitializer { channel in
        connections.insert(channel)
        return channel.eventLoop.makeCompletedFuture {
          let pipeline = channel.pipeline.syncOperations
          try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
          try pipeline.addHandler(MetricsHTTPHandler(registry: registry, logger: handlerLogger))
        }
      }
      .bind(host: host, port: port).get()
    guard let bound = channel.localAddress?.port else {
      try? await channel.close()
      throw MetricsEndpointError(description: "the metrics endpoint on \(host):\(port) has no local port")
    }
    logger.debug("metrics endpoint bound to \(host):\(bound)")
    return MetricsEndpoint(channel: channel, connections: connections, port: bound, logger: logger)
  }

  /// Stops accepting connections and closes the open ones. Calling it again does nothing.
  public func stop() async {
    try? await channel.close()
    for connection in connections.drain() { try? await connection.close() }
    logger.debug("metrics endpoint on port \(port) stopped")
  }
}

/// Why a ``MetricsEndpoint`` could not start.
public struct MetricsEndpointError: Error, Sendable, CustomStringConvertible {
  /// What went wrong.
  public var description: String
}

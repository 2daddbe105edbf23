import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Flower 1.41's Fleet API over HTTP/1.1, for unmodified `flower-supernode` processes: every
/// call is `POST /v1/fleet/<name>` with a protobuf body (`flwr/supernode/fleet_http_client.py`),
/// answered by a ``FleetAPI``.
///
/// Connections are kept alive (a SuperNode holds about four: main loop, heartbeat, two object
/// workers) and served concurrently, each in a child task of ``run()``; a request body larger
/// than ``Config/maxBodySize`` is refused with 413 and the connection closed. Other methods get
/// 405, other paths 404, each with Flower's JSON error body. While it runs, the server also
/// marks nodes offline once their heartbeats stop (every ``Config/sweepInterval``), so a round
/// waiting on a vanished node fails it rather than hanging.
///
/// ```swift
/// let fleet = try await FleetHTTPServer.bind(config: .init(host: "0.0.0.0", port: 9092), state: state)
/// try await fleet.run()  // until cancelled
/// ```
public final class FleetHTTPServer: Sendable {
  /// Where to listen and what to accept.
  public struct Config: Sendable {
    /// The host to bind.
    public var host: String
    /// The port to bind (0: a free port; see ``FleetHTTPServer/port``).
    public var port: Int
    /// The largest request body accepted, in bytes (default 16 MiB: an object is at most a
    /// 5 MiB array chunk plus its head).
    public var maxBodySize: Int
    /// How often silent nodes are looked for (default 1 s).
    public var sweepInterval: Duration
    /// Whether calls must carry the node's signed headers (default `true`, as Flower's SuperLink;
    /// see ``FleetAPI/verifiesSignatures``).
    public var verifiesSignatures: Bool
    /// The node-key allow-list (see ``FleetAPI/authorizesKey``); `nil`: none.
    public var authorizesKey: (@Sendable ([UInt8]) -> Bool)?

    /// A configuration with these values.
    public init(
      host: String, port: Int, maxBodySize: Int = 16 << 20, sweepInterval: Duration = .seconds(1),
      verifiesSignatures: Bool = true
    ) {
      self.host = host
      self.port = port
      self.maxBodySize = maxBodySize
      self.sweepInterval = sweepInterval
      self.verifiesSignatures = verifiesSignatures
    }
  }

  typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

  private let channel: NIOAsyncChannel<Connection, Never>
  private let api: FleetAPI
  private let config: Config
  private let logger: Logger

  /// The bound port.
  public let port: Int

  private init(channel: NIOAsyncChannel<Connection, Never>, api: FleetAPI, config: Config, port: Int) {
    self.channel = channel
    self.api = api
    self.config = config
    self.port = port
    self.logger = api.state.logger
  }

  /// Binds `config.host:config.port`; call ``run()`` to serve.
  ///
  /// - Throws: the bind error (address in use, unknown host, …).
  public static func bind(config: Config, state: FleetState) async throws -> FleetHTTPServer {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .serverChannelOption(.backlog, value: 256)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .bind(host: config.host, port: config.port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
          return try Connection(wrappingChannelSynchronously: channel)
        }
      }
    guard let port = channel.channel.localAddress?.port else {
      try? await channel.channel.close()
      throw PollenFleetError(description: "the Fleet API on \(config.host):\(config.port) has no local port")
    }
    return FleetHTTPServer(
      channel: channel,
      api: FleetAPI(
        state: state, verifiesSignatures: config.verifiesSignatures, authorizesKey: config.authorizesKey),
      config: config, port: port)
  }

  /// Serves connections and sweeps silent nodes until cancelled; then closes the listener and
  /// every connection.
  public func run() async throws {
    let (api, config, logger) = (self.api, self.config, self.logger)
    try await channel.executeThenClose { inbound in
      try await withThrowingDiscardingTaskGroup { group in
        group.addTask {
          while !Task.isCancelled {
            do { try await Task.sleep(for: config.sweepInterval) } catch { return }  // cancelled: done
            await api.state.sweep()
          }
        }
        for try await connection in inbound {
          group.addTask { await Self.serve(connection, api: api, config: config, logger: logger) }
        }
        group.cancelAll()
      }
    }
  }

  /// Stops accepting: closes the listener, so ``run()`` serves the connections already accepted
  /// (each handed to its handler, never dropped unanswered) and then returns, closing them. Use
  /// this rather than cancelling ``run()`` while nodes are still connecting: a connection accepted
  /// at the moment of cancellation would be dropped without being closed.
  public func shutdown() {
    channel.channel.close(promise: nil)
  }

  /// Answers the requests of one connection in order until it closes or asks to.
  private static func serve(_ connection: Connection, api: FleetAPI, config: Config, logger: Logger) async {
    do {
      try await connection.executeThenClose { inbound, outbound in
        var head: HTTPRequestHead?
        var body = ByteBuffer()
        var tooLarge = false
        for try await part in inbound {
          switch part {
          case .head(let h):
            head = h
            body.clear()
            tooLarge = false
          case .body(var chunk):
            if body.readableBytes + chunk.readableBytes > config.maxBodySize {
              tooLarge = true
            } else if !tooLarge {
              body.writeBuffer(&chunk)
            }
          case .end:
            guard let request = head else { continue }
            head = nil
            let response: FleetResponse
            if tooLarge {
              response = .error(.payloadTooLarge("request bodies are limited to \(config.maxBodySize) bytes"))
            } else if request.method != .POST {
              response = .error(FleetError(status: 405, code: 405, detail: "Fleet API calls are POSTs"))
            } else {
              let path = String(request.uri.split(separator: "?", maxSplits: 1).first ?? "")
              var headers: [String: String] = [:]
              for (name, value) in request.headers where headers[name.lowercased()] == nil {
                headers[name.lowercased()] = value
              }
              response = await api.handle(path: path, body: Array(body.readableBytesView), headers: headers)
            }
            let keepAlive = request.isKeepAlive && !tooLarge
            try await write(response, version: request.version, keepAlive: keepAlive, to: outbound)
            if !keepAlive { return }
          }
        }
      }
    } catch {
      logger.debug("fleet connection closed: \(error)")
    }
  }

  private static func write(
    _ response: FleetResponse, version: HTTPVersion, keepAlive: Bool,
    to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
  ) async throws {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: response.contentType)
    headers.add(name: "Content-Length", value: "\(response.body.count)")
    if !keepAlive { headers.add(name: "Connection", value: "close") }
    let head = HTTPResponseHead(
      version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
    var parts: [HTTPServerResponsePart] = [.head(head)]
    if !response.body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: response.body)))) }
    parts.append(.end(nil))
    try await outbound.write(contentsOf: parts)
  }
}

/// Why a ``FleetHTTPServer`` could not start.
public struct PollenFleetError: Error, Sendable, CustomStringConvertible {
  /// What went wrong.
  public var description: String
}

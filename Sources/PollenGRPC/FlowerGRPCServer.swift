import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import PollenServer

/// A server that speaks Flower's protocol (`flwr.proto.FlowerService/Join`) over gRPC: Flower
/// clients (Python, Android, iOS) and Pollen clients join it.
///
/// Each `Join` stream gets a fresh client id and a ``GRPCClientProxy`` registered in the
/// injected `ClientManager` while the stream lives; the `Server` round loop talks to clients
/// through those proxies and never sees gRPC.
///
/// Lifetime: ``run()`` serves until its task is cancelled or ``shutdown()`` is called; the
/// scoped ``withFlowerGRPCServer(config:clientManager:logger:_:)`` does both for you.
public final class FlowerGRPCServer: Sendable {
  public let config: Config
  private let service: FlowerService
  private let transport: HTTP2ServerTransport.Posix
  private let server: GRPCServer<HTTP2ServerTransport.Posix>
  private let logger: Logger

  /// Prepares a server; nothing is bound until ``run()``.
  public init(
    config: Config = .defaults, clientManager: any ClientManager,
    logger: Logger = .pollen("pollen.grpc.server")
  ) {
    self.config = config
    self.logger = logger
    service = FlowerService(
      clientManager: clientManager, clientGracePeriod: config.clientGracePeriod,
      maxClients: config.maxClients,
      sendBudget: config.sendBufferSize.map { SendBudget(limit: $0, lease: config.sendLease) },
      authenticator: config.nodeAuthenticator, maxStreamsPerPeer: config.maxStreamsPerPeer,
      misbehaviorThrottle: config.misbehaviorThrottle, logger: logger)
    let gauges = service.gauges
    let receiveBudget = config.receiveBufferSize.map { ReceiveBudget(limit: $0) }
    self.receiveBudget = receiveBudget
    let security: HTTP2ServerTransport.Posix.TransportSecurity =
      if let tls = config.tls, let clientCA = tls.clientCertificateAuthorityPEM {
        // Mutual TLS: only clients presenting a certificate chain to one of these roots.
        .mTLS(
          certificateChain: [.bytes(tls.certificateChainPEM, format: .pem)],
          privateKey: .bytes(tls.privateKeyPEM, format: .pem)
        ) { mtls in
          mtls.trustRoots = .certificates([.bytes(clientCA, format: .pem)])
          mtls.clientCertificateVerification = .noHostnameVerification
        }
      } else if let tls = config.tls {
        .tls(
          certificateChain: [.bytes(tls.certificateChainPEM, format: .pem)],
          privateKey: .bytes(tls.privateKeyPEM, format: .pem))
      } else {
        .plaintext
      }
    transport = HTTP2ServerTransport.Posix(
      address: Self.socketAddress(host: config.host, port: config.port),
      transportSecurity: security,
      config: .defaults { transport in
        transport.rpc.maxRequestPayloadSize = config.maxMessageSize
        transport.http2.targetWindowSize = max(config.targetWindowSize, 65_535)
        // Join streams live for the whole run and may be silent for as long as a client
        // trains: keepalive pings keep them open (see FlowerGRPCServer.Keepalive).
        transport.connection.maxIdleTime = config.maxIdleTime
        transport.connection.keepalive = HTTP2ServerTransport.Config.Keepalive(
          time: config.keepalive.time, timeout: config.keepalive.timeout,
          clientBehavior: HTTP2ServerTransport.Config.ClientKeepaliveBehavior(
            minPingIntervalWithoutCalls: config.keepalive.minClientPingInterval,
            allowWithoutCalls: config.keepalive.allowClientPingsWithoutCalls))
        transport.http2.maxConcurrentStreams = max(config.maxStreamsPerConnection, 1)
        transport.http2.maxFrameSize = min(max(config.maxFrameSize, 1 << 14), (1 << 24) - 1)
        let backlog = Int32(clamping: config.listenBacklog)
        transport.channelDebuggingCallbacks.onBindTCPListener = { listener in
          listener.setOption(.backlog, value: backlog)
        }
        let readBuffers = ReadBufferSizing(
          memory: config.readBufferMemory, minimum: 4 << 10, maximum: config.maxReadBufferSize,
          expected: config.expectedClients)
        transport.channelDebuggingCallbacks.onAcceptTCPConnection = { connection in
          let reads = readBuffers.allocator(for: connection)
          let readBufferSet = connection.setOption(.recvAllocator, value: reads.allocator).flatMap {
            connection.setOption(.maxMessagesPerRead, value: reads.readsPerEvent)
          }
          guard let receiveBudget else { return readBufferSet }
          return readBufferSet.flatMapThrowing {
            try connection.pipeline.syncOperations.addHandler(
              ConnectionReadGate(budget: receiveBudget, eventLoop: connection.eventLoop), position: .first)
          }
        }
        let maxMessageSize = config.maxMessageSize
        transport.channelDebuggingCallbacks.onAcceptHTTP2Stream = { stream in
          stream.eventLoop.submit {
            // The connection's receive budget: the gauge charges it, and a connection waiting for
            // it reserves no whole message.
            let gate = try? stream.parent?.pipeline.syncOperations.handler(type: ConnectionReadGate.self)
            try stream.pipeline.syncOperations.addHandler(
              InboundMessageAssembler(
                maxMessageSize: maxMessageSize, dataOffset: FitResDecoder.firstTensorDataOffset(inPrefix:),
                mayReserve: gate.map { gate in { !gate.isWithholding } }),
              position: .first)
            try gauges.install(on: stream, gate: gate)
          }
        }
      })
    server = GRPCServer(transport: transport, services: [service])
  }

  /// The budget bounding received messages not yet decoded (`nil` without
  /// ``Config/receiveBufferSize``).
  let receiveBudget: ReceiveBudget?
  /// The budget bounding instructions in flight (`nil` without ``Config/sendBufferSize``).
  var sendBudget: SendBudget? { service.sendBudget }
  /// Stream write gauges not yet claimed by their RPC.
  var unclaimedGauges: Int { service.gauges.unclaimed }

  /// Serves until the task is cancelled or ``shutdown()`` is called.
  ///
  /// - Throws: if the address cannot be bound or the transport fails.
  public func run() async throws {
    let keepalive = config.keepalive
    logger.info(
      "keepalive: ping after \(keepalive.time) of silence (\(keepalive.timeout) to answer), client pings admitted every \(keepalive.minClientPingInterval); a client that misses a timeout keeps its stream for up to \(config.clientGracePeriod)"
    )
    try await server.serve()
  }

  /// The port the server listens on, once it is bound (useful with port 0).
  ///
  /// - Throws: if the server could not bind or has stopped.
  public func boundPort() async throws -> Int {
    let address = try await transport.listeningAddress
    if let ipv4 = address.ipv4 { return ipv4.port }
    if let ipv6 = address.ipv6 { return ipv6.port }
    throw RPCError(code: .internalError, message: "server is not listening on an IP address: \(address)")
  }

  /// Stops accepting clients and ends every open stream (clients see UNAVAILABLE, as from
  /// Flower's server); ``run()`` returns once the streams are closed.
  public func shutdown() {
    if let receiveBudget {
      let (_, peak, pauses) = receiveBudget.statistics
      logger.info(
        "receive buffer: replies begun and not yet decoded peaked at \(peak >> 10) KiB (each counted whole from its first bytes; limit \(receiveBudget.limit >> 10) KiB); reading paused \(pauses) times"
      )
    }
    service.shutdownAll()
    server.beginGracefulShutdown()
  }

  private static func socketAddress(host: String, port: Int) -> GRPCNIOTransportCore.SocketAddress {
    host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
  }
}

/// Runs a ``FlowerGRPCServer`` while `body` runs, then shuts it down and waits for it to stop.
///
/// - Returns: what `body` returns.
/// - Throws: what `body` throws, or the server's error if it fails to start or stops early.
public func withFlowerGRPCServer<Result: Sendable>(
  config: FlowerGRPCServer.Config = .defaults, clientManager: any ClientManager,
  logger: Logger = .pollen("pollen.grpc.server"),
  _ body: (FlowerGRPCServer) async throws -> Result
) async throws -> Result {
  let server = FlowerGRPCServer(config: config, clientManager: clientManager, logger: logger)
  return try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await server.run() }
    do {
      let result = try await body(server)
      server.shutdown()
      try await group.waitForAll()
      return result
    } catch {
      server.shutdown()
      group.cancelAll()
      throw error
    }
  }
}

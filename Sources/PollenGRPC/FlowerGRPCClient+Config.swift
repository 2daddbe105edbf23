import PollenClient

extension FlowerGRPCClient {
  /// How a client connects and what it does when things go wrong.
  public struct Config: Sendable {
    /// The largest message sent or received, in bytes (Flower 1.41's limit: 2 GiB − 1).
    public var maxMessageSize: Int
    /// The HTTP/2 flow-control window, in bytes.
    public var targetWindowSize: Int
    /// TLS, or `nil` for plaintext (Flower's `insecure=True`).
    public var tls: ClientTLS?
    /// When to try again after a failed connection or a broken stream (Flower's `max_retries`
    /// and `max_wait_time`).
    public var backoff: Backoff
    /// What to do when the `Client` throws.
    public var onClientError: ClientErrorPolicy
    /// HTTP/2 keepalive pings while the stream is open, or `nil` for none.
    public var keepalive: Keepalive?
    /// Close the connection after this long without an open stream (the `Join` stream is open
    /// for the whole session, so a long fit never makes the connection idle). Default: 30 min.
    public var maxIdleTime: Duration
    /// The node's key: every `Join` stream then carries Flower's SuperNode authentication
    /// metadata (``NodeAuth``), signed afresh per stream. `nil` (the default): none.
    public var nodeKey: NodePrivateKey?

    public init(
      maxMessageSize: Int = Int(Int32.max), targetWindowSize: Int = 8 << 20, tls: ClientTLS? = nil,
      backoff: Backoff = .defaults, onClientError: ClientErrorPolicy = .rejoin,
      keepalive: Keepalive? = .defaults, maxIdleTime: Duration = .seconds(30 * 60),
      nodeKey: NodePrivateKey? = nil
    ) {
      self.nodeKey = nodeKey
      self.maxMessageSize = maxMessageSize
      self.targetWindowSize = targetWindowSize
      self.tls = tls
      self.backoff = backoff
      self.onClientError = onClientError
      self.keepalive = keepalive
      self.maxIdleTime = maxIdleTime
    }

    /// Plaintext, 2 GiB − 1 messages, Flower's backoff without limits, rejoin after client
    /// errors, ``Keepalive/defaults``.
    public static var defaults: Config { Config() }
  }

  /// HTTP/2 keepalive of a client (gRFC A8): pings the server when nothing was read for a while,
  /// so a dead connection is noticed (and a NAT or load balancer sees traffic) while the client
  /// trains for a long time without sending anything.
  public struct Keepalive: Sendable, Hashable {
    /// Ping after this long without reading anything. Default: 330 s — longer than the 5 minutes
    /// Flower's server (gRPC C-core's default `grpc.http2.min_recv_ping_interval_without_data_ms`)
    /// requires between client pings on a stream that carries no data, so the client is never
    /// sent away with GOAWAY "too many pings" (Pollen's ``FlowerGRPCServer`` accepts a ping every
    /// 10 s). Both servers ping more often themselves (every 210 s), which keeps idle-sensitive
    /// load balancers and NATs happy.
    public var time: Duration
    /// Treat the connection as dead if a ping is not acknowledged within this long. Default: 20 s.
    public var timeout: Duration

    public init(time: Duration = .seconds(330), timeout: Duration = .seconds(20)) {
      self.time = time
      self.timeout = timeout
    }

    /// A ping after 330 s without reading, 20 s for its acknowledgement.
    public static var defaults: Keepalive { Keepalive() }
  }

  /// What the transport does when the `Client` throws. Flower's protocol has no error reply:
  /// either way the stream ends, so the server counts the call as a failure.
  public enum ClientErrorPolicy: Sendable, Hashable {
    /// End the stream and join again (with a new id) after the backoff delay.
    case rejoin
    /// End the stream and throw the error from `run` (what Flower's Python client does).
    case stop
  }

  /// How the client checks the server's certificate.
  public struct ClientTLS: Sendable {
    /// Trusted root certificates (PEM); `nil` trusts the system's roots.
    public var rootCertificatesPEM: [UInt8]?
    /// Mutual TLS: the client's certificate chain (leaf first) and its private key (PEM), for a
    /// server that requires client certificates. `nil` (the default): none presented.
    public var identity: (certificateChainPEM: [UInt8], privateKeyPEM: [UInt8])?

    public init(
      rootCertificatesPEM: [UInt8]? = nil,
      identity: (certificateChainPEM: [UInt8], privateKeyPEM: [UInt8])? = nil
    ) {
      self.rootCertificatesPEM = rootCertificatesPEM
      self.identity = identity
    }
  }
}

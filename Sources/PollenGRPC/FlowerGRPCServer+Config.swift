extension FlowerGRPCServer {
  /// How a ``FlowerGRPCServer`` listens.
  public struct Config: Sendable {
    /// The address to bind, e.g. `"0.0.0.0"`, `"127.0.0.1"` or `"::"`.
    public var host: String
    /// The port to bind; 0 picks a free port (read it from ``FlowerGRPCServer/boundPort()``).
    public var port: Int
    /// The largest message accepted, in bytes (Flower 1.41's limit: 2 GiB − 1).
    public var maxMessageSize: Int
    /// The HTTP/2 flow-control window per stream, in bytes; large windows make large uploads
    /// fast (64 KiB, HTTP/2's default, is several times slower for 40 MB models).
    public var targetWindowSize: Int
    /// TLS, or `nil` for plaintext (Flower's `insecure=True`).
    public var tls: ServerTLS?
    /// HTTP/2 keepalive: the server's pings and the client pings it accepts.
    public var keepalive: Keepalive
    /// Close a connection that has had no open stream for this long; `nil` (the default): never.
    /// A connection whose `Join` stream is open is never idle, however long its client trains.
    public var maxIdleTime: Duration?
    /// How long a client that missed a call's timeout may stay silent before it is dropped (its
    /// stream ended with DEADLINE_EXCEEDED). Until its late reply arrives it keeps its stream but
    /// is not sampled. Default: 600 s.
    public var clientGracePeriod: Duration
    /// The most `Join` streams served at once; more are refused with RESOURCE_EXHAUSTED (as
    /// Flower's server refuses streams beyond its 1000 workers). `nil` (the default): no limit.
    public var maxClients: Int?
    /// The listen backlog: connections the kernel queues until the server accepts them (capped
    /// by `net.core.somaxconn`). NIO's default, 128, overflows when thousands of clients connect
    /// at once (after a restart, say): the kernel then drops their handshakes and some hang
    /// half-open. Default: 4096.
    public var listenBacklog: Int
    /// The most `Join` streams one HTTP/2 connection may carry at once (the SETTINGS value the
    /// server advertises). Without it NIO allows 100, so a client or gateway multiplexing more
    /// devices on one connection would see its extra streams wait forever. Flower's server
    /// allows 1000. Default: 10,000.
    public var maxStreamsPerConnection: Int
    /// The bytes of `FitIns`/`EvaluateIns` being written to clients at once, across all streams
    /// (`nil`: no bound; one message always goes out, however large). Every client's message
    /// shares one buffer of the model (see `SplicedServerMessage`), so this no longer bounds
    /// copies but the HTTP/2 frames queued at once: clients get their instructions in turn, each
    /// at full speed, rather than all of them a trickle at a time. Default: 64 MiB.
    public var sendBufferSize: Int?
    /// The bytes of client messages held between their arrival and their decoding, across all
    /// connections (`nil`: no bound). K clients answering a round at once send K replies at
    /// once, and each waits, whole, until the strategy has room for another update; past this
    /// many bytes, connections with nothing in flight stop reading their sockets until half of it
    /// is decoded (replies wait in the kernel, then on the clients: TCP flow control). A message
    /// being received always completes, so one larger than the budget still arrives.
    /// Default: 32 MiB (`pollen server` uses ``defaultReceiveBufferSize(expectedClients:)``).
    public var receiveBufferSize: Int?

    /// The receive budget for a run of `expectedClients`: 32 MiB up to 2,000 clients, then
    /// 64 MiB × 1,000 / clients, at least 16 MiB (from 4,000 clients on).
    ///
    /// What is held overshoots the budget: connections receiving a reply when it fills finish
    /// it, and those whose first bytes were read in that turn of the event loop wait holding
    /// those bytes (their whole replies are counted). At K = 100 clients × 4 MB replies, 32 MiB
    /// instead of 64 MiB took the server's peak from 263–273 MiB to 204–241 MiB with rounds as
    /// fast (16 MiB: 199 MiB); with many clients the replies are small, and 16 MiB still keeps
    /// hundreds of them in flight. Measured at 10,000 clients, P = 10k: 64 MiB peaked at
    /// 1,074 MiB of server memory, 16 MiB at 958 MiB, with round times within the run-to-run
    /// noise.
    public static func defaultReceiveBufferSize(expectedClients: Int) -> Int {
      max(16 << 20, min(32 << 20, (64 << 20) * 1_000 / max(expectedClients, 1)))
    }
    /// The largest buffer a connection reads its socket into. NIO grows a connection's read
    /// buffer while reads fill it and keeps it, so this is also about what an idle connection
    /// holds; see ``readBufferMemory``. Default: 256 KiB.
    public var maxReadBufferSize: Int
    /// The read buffers' share of memory: a connection accepted while `n` are open reads into
    /// at most `readBufferMemory / max(n, expectedClients)` bytes (at least 4 KiB, at most
    /// ``maxReadBufferSize``, rounded down to a power of two). At 100 clients each reads 256 KiB
    /// at a time (large replies cost a fifth less server time than with 16 KiB reads); at
    /// 10,000, 4 KiB. Default: 64 MiB.
    public var readBufferMemory: Int
    /// How many clients the run expects (`pollen server` passes `--min-clients`), for sizing
    /// read buffers (``readBufferMemory``). Default: 1.
    public var expectedClients: Int
    /// The largest HTTP/2 frame the server accepts (SETTINGS_MAX_FRAME_SIZE, 16 KiB … 16 MiB − 1;
    /// clients split what they send to fit). HTTP/2's default is 16 KiB; at 256 KiB a round
    /// of K = 100 clients × 4 MB replies takes about 10% less time (fewer frames to parse), with
    /// no change in peak memory at 10,000 clients. Default: 256 KiB.
    public var maxFrameSize: Int
    /// How long one client's unsent instruction may hold its share of ``sendBufferSize`` before
    /// the next client's is admitted anyway (so a stalled client cannot stall the round).
    /// Default: 1 s.
    public var sendLease: Duration
    /// Admits only streams with valid node authentication for an authorised key (refused with
    /// UNAUTHENTICATED before they become clients); `nil` (the default): every stream, as
    /// Flower's grpc-bidi server.
    public var nodeAuthenticator: NodeAuthenticator?
    /// The most streams one peer address (IP, any port) may hold at once; more are refused with
    /// RESOURCE_EXHAUSTED. `nil` (the default): no limit (devices behind one NAT share an IP).
    public var maxStreamsPerPeer: Int?
    /// How long a peer address whose client misbehaved (a reply of the wrong kind, one that does
    /// not decode, or one larger than the model allows) may not open new streams; the client
    /// itself is dropped at once. Default: 30 s; zero: drop without throttling.
    public var misbehaviorThrottle: Duration

    public init(
      host: String = "0.0.0.0", port: Int = 8080, maxMessageSize: Int = Config.flowerMaxMessageSize,
      targetWindowSize: Int = 8 << 20, tls: ServerTLS? = nil, keepalive: Keepalive = .defaults,
      maxIdleTime: Duration? = nil, clientGracePeriod: Duration = Config.defaultClientGracePeriod,
      maxClients: Int? = nil, listenBacklog: Int = 4096, maxStreamsPerConnection: Int = 10_000,
      sendBufferSize: Int? = 64 << 20, sendLease: Duration = .seconds(1),
      maxStreamsPerPeer: Int? = nil, misbehaviorThrottle: Duration = .seconds(30),
      maxReadBufferSize: Int = 256 << 10, readBufferMemory: Int = 64 << 20, expectedClients: Int = 1,
      maxFrameSize: Int = 256 << 10, receiveBufferSize: Int? = 32 << 20
    ) {
      self.receiveBufferSize = receiveBufferSize
      self.maxReadBufferSize = maxReadBufferSize
      self.readBufferMemory = readBufferMemory
      self.expectedClients = expectedClients
      self.maxFrameSize = maxFrameSize
      self.maxStreamsPerPeer = maxStreamsPerPeer
      self.misbehaviorThrottle = misbehaviorThrottle
      self.host = host
      self.port = port
      self.maxMessageSize = maxMessageSize
      self.targetWindowSize = targetWindowSize
      self.tls = tls
      self.keepalive = keepalive
      self.maxIdleTime = maxIdleTime
      self.clientGracePeriod = clientGracePeriod
      self.maxClients = maxClients
      self.listenBacklog = listenBacklog
      self.maxStreamsPerConnection = maxStreamsPerConnection
      self.sendBufferSize = sendBufferSize
      self.sendLease = sendLease
    }

    /// `0.0.0.0:8080` (Flower's default address), 2 GiB − 1 messages, 8 MiB windows, plaintext,
    /// ``Keepalive/defaults``, no idle limit, a 600 s grace period for late clients.
    public static var defaults: Config { Config() }

    /// The default ``clientGracePeriod``: 600 s.
    public static let defaultClientGracePeriod: Duration = .seconds(600)

    /// Flower 1.41's `GRPC_MAX_MESSAGE_LENGTH`: 2 GiB − 1 bytes.
    public static let flowerMaxMessageSize = Int(Int32.max)
  }

  /// HTTP/2 keepalive of a ``FlowerGRPCServer`` (gRFC A8/A9): it pings quiet connections so that
  /// load balancers and NATs do not drop a stream whose client trains for a long time (Flower
  /// users hit such idle disconnects, flwrlabs/flower#775), and it bounds how often clients may
  /// ping it.
  public struct Keepalive: Sendable, Hashable {
    /// Ping the client after this long without reading anything from it. Default: 210 s, as
    /// Flower's server (`keepalive_time_ms=210000` in
    /// `flwr/server/superlink/fleet/grpc_bidi/grpc_server.py`), below the 4-minute idle cut-off
    /// of some cloud load balancers.
    public var time: Duration
    /// Close the connection if a ping is not acknowledged within this long. Default: 20 s.
    public var timeout: Duration
    /// The shortest interval between client pings the server accepts; a more frequent ping is a
    /// strike, and after two strikes the server closes the connection with GOAWAY
    /// (ENHANCE_YOUR_CALM, "too many pings"). Default: 10 s, the shortest keepalive gRPC
    /// clients allow, well below what any client pings: Flower's Python client sets no keepalive
    /// (`create_channel` in `flwr/supercore/grpc.py` passes only message sizes), and Pollen's
    /// client pings every 330 s.
    public var minClientPingInterval: Duration
    /// Whether clients may ping while no call is open (a Flower client always has its `Join`
    /// stream open). Default: `true`.
    public var allowClientPingsWithoutCalls: Bool

    public init(
      time: Duration = .seconds(210), timeout: Duration = .seconds(20),
      minClientPingInterval: Duration = .seconds(10), allowClientPingsWithoutCalls: Bool = true
    ) {
      self.time = time
      self.timeout = timeout
      self.minClientPingInterval = minClientPingInterval
      self.allowClientPingsWithoutCalls = allowClientPingsWithoutCalls
    }

    /// Pings after 210 s of silence, 20 s to answer, client pings accepted every 10 s.
    public static var defaults: Keepalive { Keepalive() }
  }

  /// The server's certificate chain and private key, PEM-encoded.
  public struct ServerTLS: Sendable {
    /// The certificate chain, leaf first (PEM).
    public var certificateChainPEM: [UInt8]
    /// The leaf certificate's private key (PEM).
    public var privateKeyPEM: [UInt8]
    /// Mutual TLS: the root certificates (PEM) a client's certificate must chain to; the TLS
    /// handshake fails for a client without one, with an untrusted one, or an expired one.
    /// `nil` (the default): clients present no certificate.
    public var clientCertificateAuthorityPEM: [UInt8]?

    public init(
      certificateChainPEM: [UInt8], privateKeyPEM: [UInt8], clientCertificateAuthorityPEM: [UInt8]? = nil
    ) {
      self.certificateChainPEM = certificateChainPEM
      self.privateKeyPEM = privateKeyPEM
      self.clientCertificateAuthorityPEM = clientCertificateAuthorityPEM
    }
  }
}

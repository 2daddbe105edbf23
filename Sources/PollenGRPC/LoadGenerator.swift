import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import PollenClient
import PollenCore
import PollenFlowerProto
import PollenServer
import Synchronization

/// Many lightweight Flower-protocol clients in one process, to load a server (Flower's
/// `start_server` or `pollen server`) with real `flwr.proto.FlowerService/Join` streams.
///
/// Each client is its own `Join` stream: `get_parameters` returns ``Config/parameters`` float32
/// zeros split into ``Config/layers`` arrays, `fit` returns the received parameters + 1 with
/// `num_examples` 10 (after ``Config/fitDelay``), `evaluate` returns loss 0 with `num_examples`
/// 10, and `ReconnectIns` ends the client. Clients share one HTTP/2 connection per
/// ``Config/streamsPerConnection`` streams (1: a connection each, like real devices). The
/// clients of a round all receive the same parameters, so the `fit` answer is computed once per
/// distinct input and shared: the generator's own CPU goes to the wire, not to arithmetic.
///
/// ```swift
/// let summary = try await LoadGenerator(server: "127.0.0.1:8080", config: .init(clients: 1000)).run()
/// print(summary)
/// ```
public struct LoadGenerator: Sendable {
  /// What the clients do and how they connect.
  public struct Config: Sendable {
    /// How many clients (streams) to run.
    public var clients: Int
    /// Float32 elements of the model that `get_parameters` returns.
    public var parameters: Int
    /// Arrays the model is split into (the first ones take the remainder).
    public var layers: Int
    /// How long each `fit` waits before it answers.
    public var fitDelay: Duration
    /// Streams sharing one HTTP/2 connection (1: one connection per client).
    public var streamsPerConnection: Int
    /// How long a client keeps trying to open its stream while the server is unavailable (not
    /// listening yet); a stream refused otherwise (RESOURCE_EXHAUSTED, …) is not retried.
    public var connectTimeout: Duration
    /// New connections opened per second. Thousands of clients connecting in the same instant
    /// overflow the server's listen backlog (128 for NIO and gRPC C-core servers): the kernel
    /// drops their handshakes and some connections hang half-open.
    public var connectRate: Double
    /// TLS, or `nil` for plaintext.
    public var tls: FlowerGRPCClient.ClientTLS?
    /// The largest message sent or received, in bytes.
    public var maxMessageSize: Int
    /// The HTTP/2 flow-control window, in bytes.
    public var targetWindowSize: Int
    /// The largest HTTP/2 frame the clients accept (`SETTINGS_MAX_FRAME_SIZE`, clamped to
    /// HTTP/2's 16 KiB … 16 MiB). HTTP/2's default of 16 KiB has a server send a 4 MB `FitIns`
    /// in 256 frames, each of which costs both ends a pass through NIO's and HTTP/2's pipeline.
    public var maxFrameSize: Int
    /// What the socket read buffers of all connections may hold together: each reads at most
    /// `readBufferMemory / connections` bytes, as ``FlowerGRPCServer`` sizes its own
    /// (``FlowerGRPCServer/Config/readBufferMemory``), but between 64 KiB (NIO's default) and
    /// 256 KiB.
    public var readBufferMemory: Int

    public init(
      clients: Int, parameters: Int = 1_000, layers: Int = 1, fitDelay: Duration = .zero,
      streamsPerConnection: Int = 1, connectTimeout: Duration = .seconds(120), connectRate: Double = 500,
      tls: FlowerGRPCClient.ClientTLS? = nil, maxMessageSize: Int = Int(Int32.max),
      targetWindowSize: Int = 8 << 20, maxFrameSize: Int = 256 << 10, readBufferMemory: Int = 64 << 20
    ) {
      self.clients = clients
      self.parameters = parameters
      self.layers = layers
      self.fitDelay = fitDelay
      self.streamsPerConnection = streamsPerConnection
      self.connectTimeout = connectTimeout
      self.connectRate = connectRate
      self.tls = tls
      self.maxMessageSize = maxMessageSize
      self.targetWindowSize = targetWindowSize
      self.maxFrameSize = maxFrameSize
      self.readBufferMemory = readBufferMemory
    }
  }

  /// What the clients did, counted when the last one ended.
  public struct Summary: Sendable, Hashable, CustomStringConvertible {
    /// Clients run.
    public var clients: Int
    /// Clients that received at least one instruction.
    public var connected: Int
    /// The most clients that had received an instruction and were still on their stream at once.
    public var peakConnected: Int
    /// Instructions answered, by kind.
    public var getParameters: Int, fits: Int, evaluates: Int, getProperties: Int
    /// Clients that ended with `ReconnectIns`.
    public var disconnected: Int
    /// Clients whose stream failed or ended without `ReconnectIns`, by reason (e.g. the gRPC
    /// status `resourceExhausted`).
    public var failures: [String: Int]
    /// Seconds from the start until the last client ended.
    public var wallSeconds: Double

    /// All failures.
    public var failureCount: Int { failures.values.reduce(0, +) }

    /// One line: clients, connected, answers, failures (with reasons) and wall time.
    public var description: String {
      let reasons = failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
        separator: ", ")
      return "pollen load: \(clients) clients, \(connected) connected (peak \(peakConnected) at once), "
        + "\(fits) fits, \(evaluates) evaluates, \(getParameters) get_parameters answered, "
        + "\(disconnected) disconnected by the server, \(failureCount) failures"
        + (reasons.isEmpty ? "" : " (\(reasons))") + ", wall \(formatted(wallSeconds)) s"
    }

    private func formatted(_ seconds: Double) -> String {
      let tenths = (seconds * 10).rounded() / 10
      return "\(tenths)"
    }
  }

  public let server: String
  public let config: Config
  private let logger: Logger

  /// Prepares `config.clients` clients for the server at `server` (`HOST:PORT`); nothing
  /// connects until ``run()``.
  public init(server: String, config: Config, logger: Logger = .pollen("pollen.load")) {
    self.server = server
    self.config = config
    self.logger = logger
  }

  /// Runs every client until each has been sent `ReconnectIns` or has failed.
  ///
  /// - Throws: `PollenError` (`invalidArgument`) for a malformed address or configuration;
  ///   `CancellationError` when cancelled.
  public func run() async throws -> Summary {
    let address = try ServerAddress(parsing: server)
    guard config.clients >= 1, config.parameters >= 0, config.layers >= 1, config.streamsPerConnection >= 1,
      config.connectRate > 0
    else {
      throw PollenError(
        .invalidArgument,
        "clients, layers and streams per connection must be ≥ 1, parameters ≥ 0, the connect rate > 0")
    }
    let stats = LoadStats()
    let replies = try LoadReplies(parameters: config.parameters, layers: config.layers)
    let splices = LoadReplySplices()
    let fitReplies = FitReplyCache(splices: splices)
    // Every client of a round receives the same `FitIns`: one stream assembles it, the others
    // compare what they receive with it and answer with the same buffer.
    let sharedInstruction = SharedInboundMessage()
    let start = ContinuousClock.now
    let perConnection = config.streamsPerConnection
    let connections = (config.clients + perConnection - 1) / perConnection
    // Each connection's reads, as the server sizes its own (``ReadBufferSizing``), but never
    // below NIO's default of 64 KiB: the generator's memory is not what is measured, and at
    // 10,000 connections the server's sizing would read 4 KiB at a time.
    let readLimit = ReadBufferSizing(
      memory: config.readBufferMemory, minimum: 64 << 10, maximum: 256 << 10, expected: connections
    ).limit(open: connections)
    try await withThrowingTaskGroup(of: Void.self) { group in
      for connection in 0..<connections {
        let first = connection * perConnection
        let streams = min(perConnection, config.clients - first)
        let transport = try makeTransport(
          address, readLimit: readLimit, shared: sharedInstruction, splices: splices)
        let opensAt = start.advanced(by: .milliseconds(Int64(Double(connection) * 1000 / config.connectRate)))
        group.addTask {
          try await Task.sleep(until: opensAt)
          try await withGRPCClient(transport: transport) { grpc in
            await withTaskGroup(of: Void.self) { clients in
              for index in first..<(first + streams) {
                clients.addTask {
                  let session = LoadSession(
                    index: index, grpc: grpc, config: config, replies: replies,
                    fitReplies: fitReplies, stats: stats,
                    logger: logger)
                  await session.run()
                }
              }
            }
          }
        }
      }
      try await group.waitForAll()
    }
    try Task.checkCancellation()
    return stats.summary(clients: config.clients, wallSeconds: (ContinuousClock.now - start).inSeconds)
  }

  private func makeTransport(
    _ address: ServerAddress, readLimit: Int, shared: SharedInboundMessage, splices: LoadReplySplices
  ) throws -> HTTP2ClientTransport.Posix {
    return try HTTP2ClientTransport.Posix(
      target: address.resolvableTarget,
      transportSecurity: .flower(config.tls),
      config: .defaults { transport in
        transport.http2.targetWindowSize = max(config.targetWindowSize, 65_535)
        transport.http2.maxFrameSize = min(max(config.maxFrameSize, 1 << 14), (1 << 24) - 1)
        // NIO's default reads of at most 64 KiB cost a pass through the pipeline for every
        // 64 KiB of a 4 MB `FitIns`.
        transport.channelDebuggingCallbacks.onCreateTCPConnection = { connection in
          connection.setOption(
            .recvAllocator,
            value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: readLimit))
        }
        // The streams live for the whole run; retry a server that is not up yet quickly.
        transport.connection.maxIdleTime = nil
        transport.backoff = .init(initial: .milliseconds(200), max: .seconds(2), multiplier: 1.6, jitter: 0.2)
        // Each stream assembles a `FitIns` into one buffer of its size, as the server does its
        // replies (``InboundMessageAssembler``): without it the deframer grows the message by
        // doubling, copying the model about twice more per client. A `FitIns` the same as the
        // last one assembled is not copied at all (``SharedInboundMessage``).
        let maxMessageSize = config.maxMessageSize
        transport.channelDebuggingCallbacks.onCreateHTTP2Stream = { stream in
          stream.eventLoop.submit {
            try stream.pipeline.syncOperations.addHandler(
              InboundMessageAssembler(maxMessageSize: maxMessageSize, shared: shared), position: .first)
            // The `fit` reply, framed once, goes out in place of its placeholder.
            try stream.pipeline.syncOperations.addHandler(LoadReplySplicer(splices), position: .first)
          }
        }
      })
  }
}

/// Counters shared by every client of a ``LoadGenerator``.
final class LoadStats: Sendable {
  private struct Counts {
    var connected = 0, open = 0, peak = 0, disconnected = 0
    var getParameters = 0, fits = 0, evaluates = 0, getProperties = 0
    var failures: [String: Int] = [:]
  }
  private let counts = Mutex(Counts())

  func connected() {
    counts.withLock {
      $0.connected += 1
      $0.open += 1
      $0.peak = max($0.peak, $0.open)
    }
  }
  func left() { counts.withLock { $0.open -= 1 } }
  func answered(_ kind: Reply.Kind) {
    counts.withLock {
      switch kind {
      case .getParameters: $0.getParameters += 1
      case .fit: $0.fits += 1
      case .evaluate: $0.evaluates += 1
      case .getProperties: $0.getProperties += 1
      case .disconnect: $0.disconnected += 1
      }
    }
  }
  /// How many failures a run reports as warnings as they happen (the rest at debug level).
  static let failuresWarned = 20

  /// Counts a failure; returns how many there have been, this one included.
  @discardableResult
  func failed(_ reason: String) -> Int {
    counts.withLock {
      $0.failures[reason, default: 0] += 1
      return $0.failures.values.reduce(0, +)
    }
  }

  func summary(clients: Int, wallSeconds: Double) -> LoadGenerator.Summary {
    counts.withLock { c in
      LoadGenerator.Summary(
        clients: clients, connected: c.connected, peakConnected: c.peak, getParameters: c.getParameters,
        fits: c.fits, evaluates: c.evaluates, getProperties: c.getProperties, disconnected: c.disconnected,
        failures: c.failures, wallSeconds: wallSeconds)
    }
  }
}

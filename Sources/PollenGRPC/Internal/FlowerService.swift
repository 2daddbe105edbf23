import GRPCCore
import GRPCProtobuf
import Logging
import Metrics
import PollenFlowerProto
import PollenServer
import Synchronization

/// `flwr.proto.FlowerService`: each `Join` stream becomes a ``GRPCClientProxy`` registered in
/// the client manager for as long as the stream lives.
final class FlowerService: RegistrableRPCService {
  private let clientManager: any ClientManager
  private let logger: Logger
  /// How long a client that missed a timeout may stay silent before it is dropped.
  private let clientGracePeriod: Duration
  /// The most streams served at once (`nil`: no limit); more are refused with RESOURCE_EXHAUSTED.
  private let maxClients: Int?
  /// Open streams by cid, and whether the server is shutting down (no new streams then).
  private let sessions = Mutex<Sessions>(Sessions())
  /// Admits only authenticated streams (`nil`: everyone, as Flower's grpc-bidi server).
  let authenticator: NodeAuthenticator?

  private struct Sessions {
    var open: [String: GRPCClientProxy] = [:]
    /// The live stream of each authenticated key.
    var byKey: [NodePublicKey: GRPCClientProxy] = [:]
    /// Open streams per peer address.
    var perPeer: [String: Int] = [:]
    /// Peer addresses refused until then, after a client from there misbehaved.
    var throttled: [String: ContinuousClock.Instant] = [:]
    var closing = false
  }
  private let maxStreamsPerPeer: Int?
  private let misbehaviorThrottle: Duration
  /// Bounds the model copies being written at once (`nil`: unbounded).
  let sendBudget: SendBudget?
  /// The write gauges the transport's stream channels report into (see ``StreamWriteGauges``).
  let gauges = StreamWriteGauges()

  init(
    clientManager: any ClientManager, clientGracePeriod: Duration, maxClients: Int? = nil,
    sendBudget: SendBudget? = nil, authenticator: NodeAuthenticator? = nil, maxStreamsPerPeer: Int? = nil,
    misbehaviorThrottle: Duration = .zero, logger: Logger
  ) {
    self.maxStreamsPerPeer = maxStreamsPerPeer
    self.misbehaviorThrottle = misbehaviorThrottle
    self.authenticator = authenticator
    self.clientManager = clientManager
    self.clientGracePeriod = clientGracePeriod
    self.maxClients = maxClients
    self.sendBudget = sendBudget
    self.logger = logger
  }

  /// Registers `Join` with a deserializer that keeps replies undecoded until their call decodes
  /// them (``ClientMessageBytes``).
  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    router.registerHandler(
      forMethod: Flwr_Proto_FlowerService.Method.Join.descriptor,
      deserializer: ClientMessageBytes.Deserializer(),
      serializer: ServerMessageWrite.Serializer(),
      handler: { request, context in try await self.join(request: request, context: context) })
  }

  func join(
    request: StreamingServerRequest<ClientMessageBytes>, context: ServerContext
  ) async throws -> StreamingServerResponse<ServerMessageWrite> {
    let token = request.metadata[stringValues: StreamWriteGauges.header].first { _ in true }
    let gauge = gauges.claim(token)
    let host = Self.host(of: context.remotePeer)
    let now = ContinuousClock.now
    let until: ContinuousClock.Instant? = sessions.withLock { sessions in
      guard let until = sessions.throttled[host] else { return nil }
      if until <= now { sessions.throttled.removeValue(forKey: host) }
      return until > now ? until : nil
    }
    if let until {
      let seconds = Int((until - now).inSeconds.rounded(.up))
      logger.debug("refused a stream from \(context.remotePeer): throttled for \(seconds) s more")
      throw RPCError(
        code: .resourceExhausted, message: "a client from this address misbehaved; try again in \(seconds) s")
    }
    var key: NodePublicKey?
    if let authenticator {
      switch authenticator.verify(request.metadata) {
      case .success(let verified):
        key = verified
      case .failure(let refusal):
        logger.warning("refused a stream from \(context.remotePeer): \(refusal)")
        Counter(label: "pollen_auth_refused_total", dimensions: [("reason", refusal.reason)]).increment()
        throw RPCError(code: .unauthenticated, message: "node authentication failed: \(refusal.reason)")
      }
    }
    let pacing: SendPacing? =
      if let sendBudget, let gauge { SendPacing(budget: sendBudget, gauge: gauge) } else { nil }
    return StreamingServerResponse { [key] writer in
      try await self.join(
        request: request.messages, response: writer, context: context, gauge: gauge, pacing: pacing, key: key,
        host: host)
      return [:]
    }
  }

  private func join(
    request: RPCAsyncSequence<ClientMessageBytes, any Error>,
    response: RPCWriter<ServerMessageWrite>,
    context: ServerContext, gauge: StreamWriteGauge?, pacing: SendPacing?, key: NodePublicKey?, host: String
  ) async throws {
    let cid = Self.newClientID()
    var logger = logger
    logger[metadataKey: "cid"] = "\(cid)"
    let outbox = Outbox()
    let proxy = GRPCClientProxy(
      cid: cid, peer: context.remotePeer, outbox: outbox, clientManager: clientManager,
      gracePeriod: clientGracePeriod, logger: self.logger,
      onMisbehavior: { [weak self] reason in self?.misbehaved(host: host, cid: cid, reason: reason) })
    var replaced: GRPCClientProxy?
    let accepted: Bool? = sessions.withLock { sessions in
      guard !sessions.closing else { return false }
      let older = key.flatMap { sessions.byKey[$0] }
      if let maxClients, sessions.open.count - (older == nil ? 0 : 1) >= maxClients { return nil }
      if let maxStreamsPerPeer, sessions.perPeer[host, default: 0] >= maxStreamsPerPeer { return nil }
      sessions.perPeer[host, default: 0] += 1
      sessions.open[cid] = proxy
      if let key {
        replaced = older
        sessions.byKey[key] = proxy
      }
      return true
    }
    guard let accepted else {
      let full = sessions.withLock { $0.open.count >= (maxClients ?? .max) }
      let why =
        full
        ? "server is full: it serves at most \(maxClients ?? 0) clients"
        : "this address already has \(maxStreamsPerPeer ?? 0) streams, the most one peer may open"
      logger.debug("refused a client from \(context.remotePeer): \(why)")
      throw RPCError(code: .resourceExhausted, message: why)
    }
    guard accepted else { throw RPCError(code: .unavailable, message: "server is shutting down") }
    defer {
      sessions.withLock { sessions in
        sessions.open.removeValue(forKey: cid)
        sessions.perPeer[host, default: 1] -= 1
        if sessions.perPeer[host] == 0 { sessions.perPeer.removeValue(forKey: host) }
        if let key, sessions.byKey[key] === proxy { sessions.byKey.removeValue(forKey: key) }
      }
    }
    if let replaced {
      logger.info(
        "key \(key.map(\.fingerprint) ?? "") joined again: ending its older stream (client \(replaced.cid))")
      replaced.shutdown()
    }
    guard await clientManager.register(proxy) else {
      logger.error("client manager refused client \(cid)")
      throw RPCError(code: .alreadyExists, message: "client id \(cid) is already registered")
    }
    logger.info(
      "client \(cid) joined from \(context.remotePeer)\(key.map { " with key \($0.fingerprint)" } ?? "")")
    do {
      try await Self.serve(
        proxy: proxy, outbox: outbox, request: request, response: response, gauge: gauge, pacing: pacing)
      logger.info("client \(cid) left")
    } catch {
      logger.warning("stream of client \(cid) ended: \(error)")
      proxy.shutdown()
      await clientManager.unregister(proxy)
      throw error
    }
    proxy.shutdown()  // no-op unless the stream ended before the proxy saw it end
    await clientManager.unregister(proxy)
  }

  /// A client misbehaved: its address may not open streams for ``misbehaviorThrottle``.
  private func misbehaved(host: String, cid: String, reason: String) {
    Counter(label: "pollen_clients_dropped_total", dimensions: [("reason", "misbehaved")]).increment()
    guard misbehaviorThrottle > .zero else {
      logger.warning("dropped client \(cid) from \(host): \(reason)")
      return
    }
    let until = ContinuousClock.now + misbehaviorThrottle
    sessions.withLock { $0.throttled[host] = until }
    logger.warning(
      "dropped client \(cid) from \(host), no new streams from there for \(misbehaviorThrottle): \(reason)")
  }

  /// The address part of a gRPC peer description (`ipv4:1.2.3.4:5678` → `1.2.3.4`,
  /// `ipv6:[::1]:443` → `::1`).
  static func host(of peer: String) -> String {
    var rest = Substring(peer)
    if let colon = rest.firstIndex(of: ":"),
      ["ipv4", "ipv6", "unix", "in-process"].contains(String(rest[..<colon]))
    {
      rest = rest[rest.index(after: colon)...]
    }
    if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
      return String(rest[rest.index(after: rest.startIndex)..<close])
    }
    if let colon = rest.lastIndex(of: ":") { return String(rest[..<colon]) }
    return String(rest)
  }

  /// 128 random bits as 32 hex digits (like Flower's `uuid4().hex`), from the system generator
  /// (`getrandom`): Foundation's `UUID()` reads a file and yields all zeros when the process is
  /// out of file descriptors — exactly when thousands of clients connect at once.
  static func newClientID() -> String {
    var generator = SystemRandomNumberGenerator()
    let hex = [generator.next(), generator.next()].map { (word: UInt64) in
      let digits = String(word, radix: 16)
      return String(repeating: "0", count: 16 - digits.count) + digits
    }
    return hex.joined()
  }

  /// Ends every open stream (UNAVAILABLE) and refuses new ones.
  func shutdownAll() {
    let open = sessions.withLock { sessions in
      sessions.closing = true
      return Array(sessions.open.values)
    }
    for proxy in open { proxy.shutdown() }
  }

  /// Serves one stream with two child tasks — the reader (client messages to the proxy) and
  /// the writer (the outbox to the stream) — while the handler's own task waits for the end the
  /// proxy decides; then the children are cancelled. (Tasks are most of an idle stream's memory:
  /// late calls' grace periods are timers of the proxy's, not a task per stream.)
  private static func serve(
    proxy: GRPCClientProxy, outbox: Outbox,
    request: RPCAsyncSequence<ClientMessageBytes, any Error>,
    response: RPCWriter<ServerMessageWrite>, gauge: StreamWriteGauge?, pacing: SendPacing?
  ) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        do {
          for try await var message in request {
            message.charge = gauge?.inboundCharge(forMessageOf: message.count)
            await proxy.received(message)
          }
          proxy.streamEnded(error: nil)
        } catch {
          proxy.streamEnded(error: error)
        }
      }
      group.addTask {
        do {
          try await outbox.drain(into: response, gauge: gauge, pacing: pacing)
        } catch {
          proxy.streamEnded(error: error)
        }
      }
      defer { group.cancelAll() }
      try await outbox.waitForEnd()
    }
  }
}

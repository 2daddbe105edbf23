import GRPCCore
import GRPCProtobuf
import Logging
import Metrics
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
    var closing = false
  }
  /// Bounds the model copies being written at once (`nil`: unbounded).
  let sendBudget: SendBudget?
  /// The write gauges the transport's stream channels report into (see ``StreamWriteGauges``).
  let gauges = StreamWriteGauges()

  init(
    clientManager: any ClientManager, clientGracePeriod: Duration, maxClients: Int? = nil,
    sendBudget: SendBudget? = nil, authenticator: NodeAuthenticator? = nil, logger: Logger
  ) {
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
      serializer: ProtobufSerializer<Flwr_Proto_ServerMessage>(),
      handler: { request, context in try await self.join(request: request, context: context) })
  }

  func join(
    request: StreamingServerRequest<ClientMessageBytes>, context: ServerContext
  ) async throws -> StreamingServerResponse<Flwr_Proto_ServerMessage> {
    let token = request.metadata[stringValues: StreamWriteGauges.header].first { _ in true }
    let gauge = gauges.claim(token)
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
        request: request.messages, response: writer, context: context, pacing: pacing, key: key)
      return [:]
    }
  }

  private func join(
    request: RPCAsyncSequence<ClientMessageBytes, any Error>,
    response: RPCWriter<Flwr_Proto_ServerMessage>,
    context: ServerContext, pacing: SendPacing?, key: NodePublicKey?
  ) async throws {
    let cid = Self.newClientID()
    var logger = logger
    logger[metadataKey: "cid"] = "\(cid)"
    let outbox = Outbox()
    let proxy = GRPCClientProxy(
      cid: cid, peer: context.remotePeer, outbox: outbox, clientManager: clientManager,
      gracePeriod: clientGracePeriod, logger: self.logger)
    var replaced: GRPCClientProxy?
    let accepted: Bool? = sessions.withLock { sessions in
      guard !sessions.closing else { return false }
      let older = key.flatMap { sessions.byKey[$0] }
      if let maxClients, sessions.open.count - (older == nil ? 0 : 1) >= maxClients { return nil }
      sessions.open[cid] = proxy
      if let key {
        replaced = older
        sessions.byKey[key] = proxy
      }
      return true
    }
    guard let accepted else {
      logger.debug(
        "refused a client from \(context.remotePeer): already serving --max-clients \(maxClients ?? 0)")
      throw RPCError(
        code: .resourceExhausted, message: "server is full: it serves at most \(maxClients ?? 0) clients")
    }
    guard accepted else { throw RPCError(code: .unavailable, message: "server is shutting down") }
    defer {
      sessions.withLock { sessions in
        sessions.open.removeValue(forKey: cid)
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
      try await Self.serve(proxy: proxy, outbox: outbox, request: request, response: response, pacing: pacing)
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

  private enum Role: Sendable { case reader, writer, end, supervisor }

  /// Runs the stream: reads replies into the proxy, writes its instructions, ends the grace
  /// periods of late calls, and returns (or throws the status to send) when the proxy ends the
  /// session.
  private static func serve(
    proxy: GRPCClientProxy, outbox: Outbox,
    request: RPCAsyncSequence<ClientMessageBytes, any Error>,
    response: RPCWriter<Flwr_Proto_ServerMessage>, pacing: SendPacing?
  ) async throws {
    try await withThrowingTaskGroup(of: Role.self) { group in
      group.addTask {
        do {
          for try await message in request { await proxy.received(message) }
          proxy.streamEnded(error: nil)
        } catch {
          proxy.streamEnded(error: error)
        }
        return .reader
      }
      group.addTask {
        do {
          try await outbox.drain(into: response, pacing: pacing)
        } catch {
          proxy.streamEnded(error: error)
        }
        return .writer
      }
      group.addTask {
        await proxy.superviseLateReplies()
        return .supervisor
      }
      group.addTask {
        try await outbox.waitForEnd()
        return .end
      }
      while let role = try await group.next() {
        if role == .end { group.cancelAll() }
      }
    }
  }
}

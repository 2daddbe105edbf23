import Logging
import PollenCore
import PollenFleetProto
import PollenServer
import Synchronization

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The shared state of a Fleet server: a state machine (nodes, queues, objects, pushes) behind a `Mutex`, the run it
/// serves, and the link to the server's `ClientManager` — each node that comes online is
/// registered there as a ``FleetClientProxy`` (next to the gRPC transport's clients, so one
/// round may mix both) and unregistered when it goes offline, deactivates or unregisters.
///
/// Calls that wait for a node (``send(_:timeout:)``) suspend on a continuation that a push, a
/// node going away, a timeout or cancellation resumes; the lock is never held while resuming.
public final class FleetState: Sendable {
  typealias Waiter = CheckedContinuation<FlowerMessage, any Error>
  typealias Machine = FleetStateMachine<Waiter>

  /// The run served.
  public let run: FleetRun
  /// The names and shapes of the model's arrays, when known (from `--initial-parameters`).
  public let layout: FleetModelLayout?
  /// Where nodes that come online are registered.
  public let clientManager: any ClientManager
  let logger: Logger
  private let clock: @Sendable () -> Double
  private let machine: Mutex<Machine>
  private let proxies = Mutex<[UInt64: FleetClientProxy]>([:])

  /// State for `run`, registering nodes with `clientManager`. `clock` gives Unix seconds.
  public init(
    run: FleetRun, layout: FleetModelLayout? = nil, clientManager: any ClientManager,
    logger: Logger = .pollen("pollen.fleet"),
    clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
  ) {
    self.run = run
    self.layout = layout
    self.clientManager = clientManager
    self.logger = logger
    self.clock = clock
    self.machine = Mutex(Machine())
  }

  /// Unix seconds now.
  var now: Double { clock() }

  // MARK: Node lifecycle

  /// register-node.
  func register(publicKey: [UInt8]) throws(FleetError) -> UInt64 {
    let id = try machine.withLock { m throws(FleetError) in try m.registry.register(publicKey: publicKey) }
    logger.info("node \(id) registered")
    return id
  }

  /// activate-node; a node that comes online joins the client manager.
  func activate(publicKey: [UInt8], interval: Double) async throws(FleetError) -> UInt64 {
    let now = self.now
    let (id, change) = try machine.withLock { m throws(FleetError) in
      try m.registry.activate(publicKey: publicKey, interval: interval, now: now)
    }
    await handle(change)
    return id
  }

  /// send-node-heartbeat; `false` for a node that is not registered and activated.
  func heartbeat(nodeID: UInt64, interval: Double) async throws(FleetError) -> Bool {
    let now = self.now
    let change = try machine.withLock { m throws(FleetError) in
      try m.registry.heartbeat(nodeID: nodeID, interval: interval, now: now)
    }
    guard let change else { return false }
    await handle(change)
    return true
  }

  /// deactivate-node.
  func deactivate(nodeID: UInt64) async {
    await handle(machine.withLock { $0.registry.deactivate(nodeID: nodeID) })
  }

  /// unregister-node.
  func unregister(nodeID: UInt64) async {
    await handle(machine.withLock { $0.registry.unregister(nodeID: nodeID) })
  }

  /// Marks silent nodes offline, fails their calls and takes them out of the client manager.
  public func sweep() async {
    let now = self.now
    let (offline, resumptions) = machine.withLock { $0.sweep(now: now) }
    resume(resumptions)
    for id in offline {
      logger.warning("node \(id) went offline (no heartbeat)")
      await leave(id)
    }
  }

  /// The node registered with `publicKey`, if any.
  func nodeID(forKey publicKey: [UInt8]) -> UInt64? {
    machine.withLock { $0.registry.nodeID(forKey: publicKey) }
  }

  /// Whether `nodeID` is online now.
  public func isOnline(_ nodeID: UInt64) -> Bool {
    let now = self.now
    return machine.withLock { $0.registry.isOnline(nodeID, now: now) }
  }

  private func handle(_ change: FleetNodeRegistry.Change) async {
    switch change {
    case .none: break
    case .cameOnline(let id):
      let proxy = proxies.withLock { proxies in
        if let proxy = proxies[id] { return proxy }
        let proxy = FleetClientProxy(nodeID: id, state: self)
        proxies[id] = proxy
        return proxy
      }
      logger.info("node \(id) online")
      await clientManager.register(proxy)
    case .wentOffline(let id):
      resume(machine.withLock { $0.apply(change) })
      logger.info("node \(id) offline")
      await leave(id)
    }
  }

  private func leave(_ id: UInt64) async {
    if let proxy = proxies.withLock({ $0.removeValue(forKey: id) }) { await clientManager.unregister(proxy) }
  }

  // MARK: Messages and objects

  /// pull-messages: the node's next message.
  func pull(nodeID: UInt64) -> FleetOutboundMessage? {
    machine.withLock { $0.pull(nodeID: nodeID) }
  }

  /// pull-object: an object of a queued or delivered message.
  func object(_ id: String) -> Data? {
    machine.withLock { $0.store[id] }
  }

  /// confirm-message-received.
  func confirm(nodeID: UInt64, messageID: String) {
    machine.withLock { $0.confirm(nodeID: nodeID, messageID: messageID) }
  }

  /// push-messages.
  func pushMessage(nodeID: UInt64, replyTo: String, tree: ObjectTree) -> (
    objectsToPush: [String], sessionID: String
  ) {
    let (ids, session, resumptions) = machine.withLock {
      $0.pushMessage(nodeID: nodeID, replyTo: replyTo, tree: tree)
    }
    resume(resumptions)
    return (ids, session)
  }

  /// push-object.
  func pushObject(nodeID: UInt64, sessionID: String, objectID: String, content: Data) -> Bool {
    let (stored, resumptions) = machine.withLock {
      $0.pushObject(nodeID: nodeID, sessionID: sessionID, objectID: objectID, content: content)
    }
    resume(resumptions)
    return stored
  }

  /// Sends `message` to its destination node and waits for the reply (an error reply is
  /// returned as such). The message's ID is set from its deflated objects.
  ///
  /// - Throws: `PollenError` (`disconnected`) if the node is or goes offline, (`timeout`) after
  ///   `timeout`, (`invalidMessage`) for a malformed reply; `CancellationError` if cancelled.
  public func send(_ message: FlowerMessage, timeout: Duration?) async throws -> FlowerMessage {
    let (id, objects) = message.deflated()
    var sent = message
    sent.metadata.messageID = id
    let outbound = FleetOutboundMessage(
      messageID: id, nodeID: message.metadata.dstNodeID, message: sent, tree: try objects.tree(of: id),
      objectIDs: Set(objects.ids))
    return try await withTimeout(timeout) {
      try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (waiter: Waiter) in
          let now = self.now
          if let failed = self.machine.withLock({
            $0.enqueue(outbound, objects: objects, waiter: waiter, now: now)
          }) {
            self.resume([failed])
          } else if Task.isCancelled, let waiter = self.machine.withLock({ $0.withdraw(id) }) {
            waiter.resume(throwing: CancellationError())
          }
        }
      } onCancel: {
        if let waiter = self.machine.withLock({ $0.withdraw(id) }) {
          waiter.resume(throwing: CancellationError())
        }
      }
    }
  }

  private func resume(_ resumptions: [Machine.Resumption]) {
    for (waiter, result) in resumptions {
      switch result {
      case .success(let reply): waiter.resume(returning: reply)
      case .failure(let error): waiter.resume(throwing: error)
      }
    }
  }
}

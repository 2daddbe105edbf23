import PollenCore
import PollenFleetProto

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Everything a Fleet server tracks between calls, as one value: the nodes
/// (``FleetNodeRegistry``), a FIFO of messages per node (one handed out per pull), the objects of
/// those messages (``FleetObjectStore``), the replies being pushed (``FleetPushSession``s) and
/// who waits for which reply.
///
/// Every event returns the waiters to resume, so that ``FleetState`` resumes them outside its
/// lock; `Waiter` is generic so tests can use plain values. Time is passed in (Unix seconds).
struct FleetStateMachine<Waiter: Sendable>: Sendable {
  /// A waiter and what it gets.
  typealias Resumption = (waiter: Waiter, result: Result<FlowerMessage, PollenError>)

  var registry: FleetNodeRegistry
  private(set) var store = FleetObjectStore()
  private var queues: [UInt64: [FleetOutboundMessage]] = [:]
  private var delivered: [String: FleetOutboundMessage] = [:]
  private var waiters: [String: (nodeID: UInt64, waiter: Waiter)] = [:]
  private var sessions: [String: FleetPushSession] = [:]
  private var sessionCounter: UInt64 = 0

  init(registry: FleetNodeRegistry = FleetNodeRegistry()) {
    self.registry = registry
  }

  // MARK: Messages to nodes

  /// Queues `message` (deflated into `objects`) for its node, resolved later for `waiter`. A node
  /// that is not online fails at once (the returned resumption).
  mutating func enqueue(
    _ message: FleetOutboundMessage, objects: DeflatedObjects, waiter: Waiter, now: Double
  )
    -> Resumption?
  {
    guard registry.isOnline(message.nodeID, now: now) else {
      return (waiter, .failure(PollenError(.disconnected, "node \(message.nodeID) is offline")))
    }
    store.retain(message.objectIDs, from: objects)
    queues[message.nodeID, default: []].append(message)
    waiters[message.messageID] = (message.nodeID, waiter)
    return nil
  }

  /// The waiter of `messageID` gives up (timeout, cancellation): a message not yet pulled is
  /// withdrawn; one already pulled stays until confirmed, and its reply will be discarded.
  mutating func withdraw(_ messageID: String) -> Waiter? {
    guard let entry = waiters.removeValue(forKey: messageID) else { return nil }
    if var queue = queues[entry.nodeID], let index = queue.firstIndex(where: { $0.messageID == messageID }) {
      store.release(queue.remove(at: index).objectIDs)
      queues[entry.nodeID] = queue
    }
    return entry.waiter
  }

  /// pull-messages: the node's oldest queued message, if any, now handed out.
  mutating func pull(nodeID: UInt64) -> FleetOutboundMessage? {
    guard var queue = queues[nodeID], !queue.isEmpty else { return nil }
    let message = queue.removeFirst()
    queues[nodeID] = queue
    delivered[message.messageID] = message
    return message
  }

  /// confirm-message-received: the node has every object of `messageID`; they are released.
  mutating func confirm(nodeID: UInt64, messageID: String) {
    guard let message = delivered[messageID], message.nodeID == nodeID else { return }
    delivered[messageID] = nil
    store.release(message.objectIDs)
  }

  // MARK: Replies from nodes

  /// push-messages: starts receiving the reply whose object tree is `tree`; returns the IDs to
  /// push and the session. A reply nobody waits for any more (late, or to an unknown message) is
  /// accepted with nothing to push and dropped; a malformed tree fails the waiter.
  mutating func pushMessage(nodeID: UInt64, replyTo: String, tree: ObjectTree) -> (
    objectsToPush: [String], sessionID: String, resumptions: [Resumption]
  ) {
    guard let entry = waiters[replyTo], entry.nodeID == nodeID else { return ([], "", []) }
    let ids = tree.postOrderIDs
    guard ids.allSatisfy(InflatableObject.isValidObjectID) else {
      waiters[replyTo] = nil
      return (
        [], "",
        [(entry.waiter, .failure(PollenError(.invalidMessage, "the reply's object tree has malformed IDs")))]
      )
    }
    var session = FleetPushSession(
      nodeID: nodeID, rootID: tree.objectID, replyTo: replyTo, pending: [], contents: [:])
    var toPush: [String] = []
    for id in ids where session.contents[id] == nil && !session.pending.contains(id) {
      if let content = store[id] {
        session.contents[id] = content
      } else {
        session.pending.insert(id)
        toPush.append(id)
      }
    }
    sessionCounter += 1
    let sessionID = "\(nodeID)-\(sessionCounter)"
    sessions[sessionID] = session
    if session.pending.isEmpty { return (toPush, sessionID, complete(sessionID)) }
    return (toPush, sessionID, [])
  }

  /// push-object: one object of a reply. Returns whether it was stored (`false` fails the
  /// node's push); a content that does not hash to its ID or has a malformed head fails the
  /// reply, as Flower's node-side checks would.
  mutating func pushObject(nodeID: UInt64, sessionID: String, objectID: String, content: Data) -> (
    stored: Bool, resumptions: [Resumption]
  ) {
    guard var session = sessions[sessionID], session.nodeID == nodeID else { return (false, []) }
    if session.contents[objectID] != nil { return (true, []) }
    guard session.pending.contains(objectID) else { return (false, []) }
    let actual = InflatableObject.objectID(of: content)
    guard actual == objectID else {
      return (false, fail(sessionID, "object \(objectID) has content whose SHA-256 is \(actual)"))
    }
    do {
      _ = try InflatableObject(parsing: content)
    } catch {
      return (false, fail(sessionID, "\(error)"))
    }
    session.pending.remove(objectID)
    session.contents[objectID] = content
    sessions[sessionID] = session
    return (true, session.pending.isEmpty ? complete(sessionID) : [])
  }

  private mutating func complete(_ sessionID: String) -> [Resumption] {
    guard let session = sessions.removeValue(forKey: sessionID),
      let entry = waiters.removeValue(forKey: session.replyTo)
    else { return [] }
    do {
      let reply = try FlowerMessage(inflating: session.rootID, from: session.contents)
      guard reply.metadata.replyToMessageID == session.replyTo else {
        return [
          (
            entry.waiter,
            .failure(
              PollenError(
                .invalidMessage, "the reply names \(reply.metadata.replyToMessageID) as its message"))
          )
        ]
      }
      return [(entry.waiter, .success(reply))]
    } catch {
      return [(entry.waiter, .failure(PollenError(.invalidMessage, "the reply does not inflate: \(error)")))]
    }
  }

  private mutating func fail(_ sessionID: String, _ reason: String) -> [Resumption] {
    guard let session = sessions.removeValue(forKey: sessionID),
      let entry = waiters.removeValue(forKey: session.replyTo)
    else { return [] }
    return [(entry.waiter, .failure(PollenError(.invalidMessage, "malformed reply object: \(reason)")))]
  }

  // MARK: Node lifecycle

  /// Forgets the node's queue, undelivered objects and sessions; fails its waiters.
  mutating func nodeGone(_ nodeID: UInt64) -> [Resumption] {
    for message in queues.removeValue(forKey: nodeID) ?? [] { store.release(message.objectIDs) }
    for (id, message) in delivered where message.nodeID == nodeID {
      delivered[id] = nil
      store.release(message.objectIDs)
    }
    sessions = sessions.filter { $0.value.nodeID != nodeID }
    var resumptions: [Resumption] = []
    for (id, entry) in waiters where entry.nodeID == nodeID {
      waiters[id] = nil
      resumptions.append((entry.waiter, .failure(PollenError(.disconnected, "node \(nodeID) went offline"))))
    }
    return resumptions
  }

  /// Marks silent nodes offline and fails their waiters; returns the nodes that went offline.
  mutating func sweep(now: Double) -> (offline: [UInt64], resumptions: [Resumption]) {
    let offline = registry.sweep(now: now)
    return (offline, offline.flatMap { nodeGone($0) })
  }

  /// Applies a lifecycle change's consequences (a node gone fails its waiters).
  mutating func apply(_ change: FleetNodeRegistry.Change) -> [Resumption] {
    if case .wentOffline(let id) = change { return nodeGone(id) }
    return []
  }

  /// The number of messages queued for `nodeID`.
  func queued(for nodeID: UInt64) -> Int { queues[nodeID]?.count ?? 0 }

  /// The number of replies being waited for.
  var waiting: Int { waiters.count }
}

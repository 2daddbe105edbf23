/// The SuperNodes a Fleet server knows, keyed by public key, with Flower 1.41's lifecycle
/// (`flwr/superlink/servicer/fleet/fleet_handlers.py`,
/// `flwr/server/superlink/linkstate/in_memory_linkstate.py`):
///
/// ```
/// register ──> registered ──activate──> online ──(no heartbeat for 2×interval)──> offline
///                               ▲          │ ▲                                       │
///                               │          │ └──────────── heartbeat / activate ─────┘
///                               │          └─deactivate──> offline
/// unregister (any state) ──> removed
/// ```
///
/// Time is passed in (Unix seconds), so the machine has no clock of its own. A value type: the
/// ``FleetState`` guards it.
struct FleetNodeRegistry: Sendable {
  /// Where a node is in its lifecycle.
  enum Status: Sendable, Hashable {
    /// Registered, never activated.
    case registered
    /// Activated and heard from within its heartbeat patience.
    case online
    /// Deactivated, or silent for longer than 2× its heartbeat interval.
    case offline
  }

  /// One node.
  struct Node: Sendable, Hashable {
    var nodeID: UInt64
    var publicKey: [UInt8]
    var status: Status
    var heartbeatInterval: Double
    /// Unix seconds until which the node counts as online.
    var onlineUntil: Double
  }

  /// What a lifecycle call changed, for the caller to tell the client manager.
  enum Change: Sendable, Hashable {
    /// Nothing the client manager needs to know.
    case none
    /// The node came online (register its proxy).
    case cameOnline(UInt64)
    /// The node went offline or away (unregister its proxy, fail its calls).
    case wentOffline(UInt64)
  }

  /// The heartbeat intervals Flower accepts (`HEARTBEAT_MIN_INTERVAL`, `HEARTBEAT_MAX_INTERVAL`
  /// in `flwr/common/constant.py`).
  static let intervalBounds: ClosedRange<Double> = 10...1800
  /// A node is offline this many intervals after its last heartbeat (`HEARTBEAT_PATIENCE`).
  static let patience: Double = 2
  /// The SuperLink's own node ID, never given to a SuperNode (`SUPERLINK_NODE_ID`).
  static let superlinkNodeID: UInt64 = 1

  private(set) var nodes: [UInt64: Node] = [:]
  private var byKey: [[UInt8]: UInt64] = [:]
  private var nextID: @Sendable () -> UInt64

  /// A registry drawing node IDs from `nextID` (random by default; IDs 0 and 1 and repeats are
  /// skipped, as `create_node` does).
  init(nextID: @escaping @Sendable () -> UInt64 = { UInt64.random(in: 2...UInt64.max) }) {
    self.nextID = nextID
  }

  /// `register-node`: a new node in state `registered`.
  ///
  /// - Throws: ``FleetError/conflict(_:)`` (409) if the key is already registered.
  mutating func register(publicKey: [UInt8]) throws(FleetError) -> UInt64 {
    guard byKey[publicKey] == nil else {
      throw .conflict("a node with this public key is already registered")
    }
    var id = nextID()
    while id <= Self.superlinkNodeID || nodes[id] != nil { id = nextID() }
    nodes[id] = Node(
      nodeID: id, publicKey: publicKey, status: .registered, heartbeatInterval: 0, onlineUntil: 0)
    byKey[publicKey] = id
    return id
  }

  /// `activate-node`: the node of `publicKey` goes online until `now + 2 × interval`.
  ///
  /// - Throws: ``FleetError/badRequest(_:)`` (400) for an interval outside ``intervalBounds``;
  ///   ``FleetError/preconditionFailed(_:)`` (412) for an unknown key.
  mutating func activate(publicKey: [UInt8], interval: Double, now: Double) throws(FleetError) -> (
    nodeID: UInt64, change: Change
  ) {
    try Self.check(interval)
    guard let id = byKey[publicKey] else {
      throw .preconditionFailed("no node is registered with this public key")
    }
    let change = goOnline(id, interval: interval, now: now)
    return (id, change)
  }

  /// `send-node-heartbeat`: extends the node's `online_until`; an offline node comes back.
  /// Returns `nil` for an unknown node or one never activated (Flower answers `success=false`).
  ///
  /// - Throws: ``FleetError/badRequest(_:)`` (400) for an interval outside ``intervalBounds``.
  mutating func heartbeat(nodeID: UInt64, interval: Double, now: Double) throws(FleetError) -> Change? {
    try Self.check(interval)
    guard let node = nodes[nodeID], node.status != .registered else { return nil }
    return goOnline(nodeID, interval: interval, now: now)
  }

  /// `deactivate-node`: the node goes offline (it may activate again).
  mutating func deactivate(nodeID: UInt64) -> Change {
    guard var node = nodes[nodeID] else { return .none }
    let wasOnline = node.status == .online
    node.status = .offline
    node.onlineUntil = 0
    nodes[nodeID] = node
    return wasOnline ? .wentOffline(nodeID) : .none
  }

  /// `unregister-node`: the node is forgotten (its key may register again).
  mutating func unregister(nodeID: UInt64) -> Change {
    guard let node = nodes.removeValue(forKey: nodeID) else { return .none }
    byKey[node.publicKey] = nil
    return node.status == .online ? .wentOffline(nodeID) : .none
  }

  /// Marks every online node whose `online_until` has passed offline (Flower checks lazily in
  /// `_check_and_tag_offline_nodes`); returns their IDs.
  mutating func sweep(now: Double) -> [UInt64] {
    var gone: [UInt64] = []
    for (id, node) in nodes where node.status == .online && node.onlineUntil < now {
      nodes[id]!.status = .offline
      gone.append(id)
    }
    return gone.sorted()
  }

  /// The node registered with `publicKey`, if any.
  func nodeID(forKey publicKey: [UInt8]) -> UInt64? { byKey[publicKey] }

  /// Whether the node is online at `now`.
  func isOnline(_ nodeID: UInt64, now: Double) -> Bool {
    guard let node = nodes[nodeID] else { return false }
    return node.status == .online && node.onlineUntil >= now
  }

  private mutating func goOnline(_ id: UInt64, interval: Double, now: Double) -> Change {
    let wasOnline = isOnline(id, now: now)
    nodes[id]!.status = .online
    nodes[id]!.heartbeatInterval = interval
    nodes[id]!.onlineUntil = now + Self.patience * interval
    return wasOnline ? .none : .cameOnline(id)
  }

  private static func check(_ interval: Double) throws(FleetError) {
    guard intervalBounds.contains(interval) else {
      throw .badRequest(
        "heartbeat interval \(interval) s is outside \(intervalBounds.lowerBound)–\(intervalBounds.upperBound) s"
      )
    }
  }
}

import PollenFleetProto

/// A message the server sends a node: what pull-messages returns for it, and the objects it holds
/// in the ``FleetObjectStore`` until the node confirms it.
struct FleetOutboundMessage: Sendable {
  /// The message's ID (the ID of its `Message` object).
  var messageID: String
  /// The node it is for.
  var nodeID: UInt64
  /// The message as `messages_list` carries it (metadata, empty content).
  var message: FlowerMessage
  /// Its object tree, for `message_object_trees`.
  var tree: ObjectTree
  /// The distinct objects of the tree, each referenced once in the store.
  var objectIDs: Set<String>
}

/// The shape of an object and its descendants by ID: what Flower's `get_object_tree`
/// (`flwr/supercore/inflatable/inflatable_object.py`) builds and the Fleet API sends as
/// `message_object_trees` next to each message, so the receiver knows every ID to pull.
///
/// The children of a node are the children in the object's head, in head order; an object
/// referenced from two parents appears under both.
public struct ObjectTree: Sendable, Hashable {
  /// The ID of the object at this node.
  public var objectID: String
  /// The trees of the object's children.
  public var children: [ObjectTree]

  /// A node for `objectID` with these subtrees.
  public init(objectID: String, children: [ObjectTree] = []) {
    self.objectID = objectID
    self.children = children
  }

  /// Every ID in the tree, children before their parent (a post-order walk, as Flower's
  /// `iterate_object_tree`): the order in which a SuperNode pulls them. IDs reached along two
  /// paths appear twice.
  public var postOrderIDs: [String] {
    var ids: [String] = []
    func walk(_ tree: ObjectTree) {
      for child in tree.children { walk(child) }
      ids.append(tree.objectID)
    }
    walk(self)
    return ids
  }
}

extension ObjectTree {
  /// The tree of a Fleet API message (`flwr.proto.ObjectTree`).
  package init(proto: Flwr_Proto_ObjectTree) {
    self.init(objectID: proto.objectID, children: proto.children.map(ObjectTree.init(proto:)))
  }

  /// The tree as `flwr.proto.ObjectTree`.
  package var proto: Flwr_Proto_ObjectTree {
    var proto = Flwr_Proto_ObjectTree()
    proto.objectID = objectID
    proto.children = children.map(\.proto)
    return proto
  }
}

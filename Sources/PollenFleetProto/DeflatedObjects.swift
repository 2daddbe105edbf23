#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Deflated Flower objects by ID: what a value becomes to travel over the Fleet API, and what a
/// receiver collects with pull-object or push-object before inflating it.
///
/// Each ID is kept once, however often the value references it (two equal arrays, repeated chunks
/// of zeros), and ``ids`` lists them children first, in the order Flower's
/// `get_all_nested_objects` (`flwr/supercore/inflatable/inflatable_object.py`) yields them.
public struct DeflatedObjects: Sendable, Hashable {
  /// The content of every object, keyed by its ID.
  public private(set) var contents: [String: Data] = [:]
  /// Every ID once, each object after its children (post-order, first occurrence).
  public private(set) var ids: [String] = []

  /// No objects.
  public init() {}

  /// The objects in `contents`, trusting that each key is its content's ID (``ObjectReader``
  /// checks that when it reads them). ``ids`` follows the keys' sorted order.
  public init(contents: [String: Data]) {
    self.contents = contents
    ids = contents.keys.sorted()
  }

  /// The number of distinct objects.
  public var count: Int { ids.count }

  /// The content of the object `id`, if present.
  public subscript(id: String) -> Data? { contents[id] }

  /// Adds an object (once) and returns its ID.
  @discardableResult
  public mutating func insert(_ object: InflatableObject) -> String {
    let content = object.content
    let id = InflatableObject.objectID(of: content)
    if contents.updateValue(content, forKey: id) == nil { ids.append(id) }
    return id
  }

  /// The tree below `id`, read from the children in the heads of the objects here.
  ///
  /// - Throws: ``InflatableObjectError`` when an object is missing or its head is malformed.
  public func tree(of id: String) throws(InflatableObjectError) -> ObjectTree {
    guard let content = contents[id] else { throw .missingObject(id: id) }
    let object = try InflatableObject(parsing: content, id: id)
    var children: [ObjectTree] = []
    for child in object.children { children.append(try tree(of: child)) }
    return ObjectTree(objectID: id, children: children)
  }
}

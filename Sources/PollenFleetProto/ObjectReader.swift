#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Reads objects out of a dictionary of ID → content for inflation, checking each one once.
///
/// Flower's `inflate_object_from_contents` (`flwr/supercore/inflatable/inflatable_utils.py`)
/// looks children up by the IDs in each head; the SuperNode's object store checks, when an object
/// arrives, that it hashes to its ID and passes `validate_object_content`. The reader does both as
/// it reads, so contents from any peer can be inflated directly: a child that is absent, does not
/// hash to its ID, is malformed or is of the wrong type is an ``InflatableObjectError``.
public struct ObjectReader: Sendable {
  /// The contents being read.
  public let contents: [String: Data]
  private var checked: [String: InflatableObject] = [:]

  /// A reader of `contents`, keyed by object ID.
  public init(contents: [String: Data]) {
    self.contents = contents
  }

  /// A reader of the objects in `objects`.
  public init(_ objects: DeflatedObjects) {
    self.init(contents: objects.contents)
  }

  /// The object `id`, which must be one of `types`.
  ///
  /// - Throws: ``InflatableObjectError/missingObject(id:)``,
  ///   ``InflatableObjectError/hashMismatch(id:actual:)``, the errors of
  ///   ``InflatableObject/init(parsing:)``, or ``InflatableObjectError/unexpectedType(id:expected:actual:)``.
  public mutating func object(_ id: String, ofType types: InflatableObjectType...)
    throws(InflatableObjectError)
    -> InflatableObject
  {
    let object: InflatableObject
    if let known = checked[id] {
      object = known
    } else {
      guard let content = contents[id] else { throw .missingObject(id: id) }
      let actual = InflatableObject.objectID(of: content)
      guard actual == id else { throw .hashMismatch(id: id, actual: actual) }
      object = try InflatableObject(parsing: content, id: id)
      checked[id] = object
    }
    guard types.contains(object.type) else {
      throw .unexpectedType(id: id, expected: types, actual: object.type)
    }
    return object
  }
}

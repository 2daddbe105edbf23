#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A value that Flower 1.41 moves as a tree of objects: Flower's `InflatableObject`
/// (`flwr/supercore/inflatable/inflatable_object.py`) with its `deflate` and `inflate`.
///
/// Deflating writes the value's object and all its descendants, children first, and returns the
/// value's ID; the bytes are those Flower's own `deflate` writes for the same value. Inflating
/// reads an object and its descendants back, checking every object on the way (see
/// ``ObjectReader``).
public protocol FlowerInflatable: Sendable {
  /// The type in the head of the value's object.
  static var objectType: InflatableObjectType { get }

  /// Adds the value's objects to `objects` (children before parents) and returns the value's ID.
  func deflate(into objects: inout DeflatedObjects) -> String

  /// Reads the value of the object `id` and its descendants.
  ///
  /// - Throws: ``InflatableObjectError``.
  init(inflating id: String, from reader: inout ObjectReader) throws(InflatableObjectError)
}

extension FlowerInflatable {
  /// The value's ID: the SHA-256 of its deflated object.
  public var objectID: String {
    var objects = DeflatedObjects()
    return deflate(into: &objects)
  }

  /// The value's objects and its ID.
  public func deflated() -> (id: String, objects: DeflatedObjects) {
    var objects = DeflatedObjects()
    let id = deflate(into: &objects)
    return (id, objects)
  }

  /// Reads the value of the object `id` and its descendants from `contents` (ID → content).
  ///
  /// - Throws: ``InflatableObjectError``.
  public init(inflating id: String, from contents: [String: Data]) throws(InflatableObjectError) {
    var reader = ObjectReader(contents: contents)
    try self.init(inflating: id, from: &reader)
  }
}

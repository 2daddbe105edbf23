import PollenFleetProto

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The server's content-addressed objects for the messages it sends: each object once, however
/// many queued messages reference it (every node's `train` message shares the model's arrays),
/// counted per message and deleted when the last message that holds it is confirmed or
/// withdrawn — as the SuperLink's refcounted object store does
/// (`flwr/supercore/object_store/in_memory_object_store.py`).
struct FleetObjectStore: Sendable {
  private(set) var contents: [String: Data] = [:]
  private var references: [String: Int] = [:]

  /// Adds the objects `ids` of `objects`, one reference each.
  mutating func retain(_ ids: some Sequence<String>, from objects: DeflatedObjects) {
    for id in ids {
      references[id, default: 0] += 1
      if contents[id] == nil { contents[id] = objects[id] }
    }
  }

  /// Drops one reference to each of `ids`; objects without references are deleted.
  mutating func release(_ ids: some Sequence<String>) {
    for id in ids {
      guard let count = references[id] else { continue }
      if count <= 1 {
        references[id] = nil
        contents[id] = nil
      } else {
        references[id] = count - 1
      }
    }
  }

  /// The content of `id`, if stored.
  subscript(id: String) -> Data? { contents[id] }

  /// The number of objects stored.
  var count: Int { contents.count }
}

import Foundation
import PollenFleetProto

/// The JSON `fleet_objects.py` reads and writes: messages as objects (ID → base64 content).
struct ObjectsFile: Codable, Sendable {
  struct Tree: Codable, Equatable, Sendable {
    var id: String
    var children: [Tree]

    init(_ tree: ObjectTree) {
      id = tree.objectID
      children = tree.children.map(Tree.init)
    }
  }

  struct Message: Codable, Sendable {
    var name: String
    var messageID: String
    var objects: [String: String]
    var order: [String]?
    var tree: Tree?

    init(name: String, messageID: String, objects: DeflatedObjects) {
      self.name = name
      self.messageID = messageID
      self.objects = objects.contents.mapValues { $0.base64EncodedString() }
      order = objects.ids
      tree = nil
    }

    /// The objects decoded: ID → content.
    func contents() throws -> [String: Data] {
      try objects.mapValues { text in
        guard let data = Data(base64Encoded: text) else { throw FlowerPythonError("bad base64 in \(name)") }
        return data
      }
    }
  }

  var messages: [Message]

  subscript(name: String) -> Message? { messages.first { $0.name == name } }

  static func read(_ url: URL) throws -> ObjectsFile {
    try JSONDecoder().decode(ObjectsFile.self, from: Data(contentsOf: url))
  }

  func write(_ url: URL) throws {
    try JSONEncoder().encode(self).write(to: url)
  }
}

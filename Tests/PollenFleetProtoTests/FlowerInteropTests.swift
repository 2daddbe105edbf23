import Foundation
import PollenCore
import Testing

@testable import PollenFleetProto

/// Swift's object encoding against Flower 1.41's own, both ways: `python/fleet_objects.py` builds
/// and deflates the reference messages with Flower's classes, and inflates what Swift deflated.
@Suite struct FlowerInteropTests {
  /// The reference messages as Flower deflated them (the script runs once for the suite).
  static let deflatedByFlower: Result<ObjectsFile, FlowerPythonError> = {
    do {
      let dir = try FlowerPython.temporaryDirectory()
      defer { try? FileManager.default.removeItem(at: dir) }
      let out = dir.appendingPathComponent("flower.json")
      try FlowerPython.run(["deflate", out.path])
      return .success(try ObjectsFile.read(out))
    } catch let error as FlowerPythonError {
      return .failure(error)
    } catch {
      return .failure(FlowerPythonError("\(error)"))
    }
  }()

  static func flower(_ name: String) throws -> ObjectsFile.Message {
    let file = try deflatedByFlower.get()
    return try #require(file[name], "fleet_objects.py wrote no message \"\(name)\"")
  }

  /// A readable account of how two object sets differ: the heads of the objects only one has.
  static func difference(_ ours: [String: Data], _ theirs: [String: Data]) -> String {
    func head(_ content: Data) -> String {
      let end = content.firstIndex(of: 0) ?? content.endIndex
      return String(decoding: content[..<end].prefix(160), as: UTF8.self)
    }
    let onlyOurs = Set(ours.keys).subtracting(theirs.keys).sorted().map { "  Swift:  \(head(ours[$0]!))" }
    let onlyTheirs = Set(theirs.keys).subtracting(ours.keys).sorted().map { "  Flower: \(head(theirs[$0]!))" }
    return (["objects only one side has:"] + onlyOurs + onlyTheirs).joined(separator: "\n")
  }

  @Test func swiftInflatesFlowersObjectsToTheRightValues() throws {
    for (name, expected) in FlowerFixtures.reference() {
      let entry = try Self.flower(name)
      let contents = try entry.contents()
      let message = try FlowerMessage(inflating: entry.messageID, from: contents)
      var want = expected
      want.metadata.messageID = entry.messageID
      #expect(message.metadata == want.metadata, "\(name)")
      #expect(message.payload == want.payload, "\(name)")
      let tree = try DeflatedObjects(contents: contents).tree(of: entry.messageID)
      #expect(ObjectsFile.Tree(tree) == entry.tree, "\(name): the tree is get_object_tree's")
    }
    // The arrays read back as numpy wrote them.
    let train = try FlowerMessage(
      inflating: Self.flower("train").messageID, from: Self.flower("train").contents())
    let arrays = try #require(train.content?["arrays"]?.arrayRecord)
    #expect(try arrays["big"]?.ndarray().scalars(as: Float.self) == (0..<1_500_000).map { Float($0) })
    #expect(try arrays["0"]?.ndarray().shape == [2, 3])
    #expect(arrays.arrays.keys == FlowerFixtures.trainArrays.arrays.keys, "array order is dict order")
  }

  @Test func swiftDeflatesTheSameValuesToFlowersBytes() throws {
    for (name, message) in FlowerFixtures.reference() {
      let entry = try Self.flower(name)
      let theirs = try entry.contents()
      let (id, objects) = message.deflated()
      #expect(id == entry.messageID, "\(name): message ID")
      #expect(objects.contents == theirs, "\(name)\n\(Self.difference(objects.contents, theirs))")
      #expect(objects.ids == entry.order, "\(name): get_all_nested_objects order")
      #expect(ObjectsFile.Tree(try objects.tree(of: id)) == entry.tree, "\(name): tree")
    }
    // The chunking itself, as Flower did it: 5 MiB slices, equal slices stored once.
    let zeros = try Self.flower("train").contents().values.compactMap { content -> InflatableObject? in
      let object = try InflatableObject(parsing: content)
      return object.type == .array && object.body.starts(with: Data(#"{"dtype": "uint8""#.utf8))
        ? object : nil
    }
    let array = try #require(zeros.first)
    #expect(array.children.count == 3)
    #expect(String(decoding: array.body, as: UTF8.self).hasSuffix(#""arraychunk_ids": [0, 1, 1, 2]}"#))
  }

  @Test func flowerInflatesSwiftsObjects() throws {
    let dir = try FlowerPython.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    var expected: [String: FlowerDescription] = [:]
    var file = ObjectsFile(messages: [])
    for (name, message) in FlowerFixtures.reference() + [("swift", FlowerFixtures.swiftOnly)] {
      let (id, objects) = message.deflated()
      file.messages.append(ObjectsFile.Message(name: name, messageID: id, objects: objects))
      var described = message
      described.metadata.messageID = id
      expected[name] = FlowerDescription(described)
    }
    let input = dir.appendingPathComponent("swift.json")
    let output = dir.appendingPathComponent("inflated.json")
    try file.write(input)
    try FlowerPython.run(["inflate", input.path, output.path])
    let inflated = try JSONDecoder().decode(InflatedFile.self, from: Data(contentsOf: output))
    #expect(inflated.messages.map(\.name) == ["train", "error", "empty", "swift"])
    for result in inflated.messages {
      #expect(result.description == expected[result.name], "\(result.name): what Flower read")
      #expect(result.reDeflatedIDsMatch, "\(result.name): Flower deflates what it read to the same IDs")
      #expect(result.reDeflatedBytesMatch, "\(result.name): and the same bytes")
    }
  }
}

import Foundation
import PollenCore
import Testing

@testable import PollenFleetProto

/// The object head, and how broken objects are refused: each check of Flower's
/// `validate_object_content` and of the types' `inflate`, with the error that names it.
@Suite struct InflatableObjectTests {
  static func content(_ text: String, _ body: some Sequence<UInt8> = []) -> Data {
    Data(text.utf8) + Data([0]) + Data(body)
  }

  @Test func theHeadIsTypeChildrenAndLengthThenAZeroByte() throws {
    let chunk = InflatableObject(type: .arrayChunk, children: [], body: Data([1, 2, 3]))
    #expect(chunk.content == Self.content("ArrayChunk  3", [1, 2, 3]))
    #expect(chunk.objectID == InflatableObject.objectID(of: chunk.content))
    let a = String(repeating: "a", count: 64)
    let b = String(repeating: "b", count: 64)
    let record = InflatableObject(type: .arrayRecord, children: [a, b], body: Data("{}".utf8))
    #expect(record.content == Self.content("ArrayRecord \(a),\(b) 2", "{}".utf8))
    #expect(try InflatableObject(parsing: record.content) == record)
    #expect(try InflatableObject(parsing: chunk.content) == chunk)
    // sha256 of the empty string, lowercase hex as hashlib's hexdigest().
    #expect(
      InflatableObject.objectID(of: Data())
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  @Test func malformedHeadsAreRefused() {
    let a = String(repeating: "a", count: 64)
    let cases: [(Data, String)] = [
      (Data("ArrayChunk  3".utf8), "no zero byte"),
      (Self.content("ArrayChunk 3", [1, 2, 3]), "2 space-separated parts"),
      (Self.content("ArrayChunk   3", [1, 2, 3]), "4 space-separated parts"),
      (Self.content("Array \(a.uppercased()) 0"), "is not an object ID"),
      (Self.content("Array \(a),\(a) 0"), "appears twice"),
      (Self.content("Array \(a), 0"), "is not an object ID"),
      (Self.content("ArrayChunk  +3", [1, 2, 3]), "not a decimal number"),
      (Self.content("ArrayChunk  03", [1, 2, 3]), "not a decimal number"),
      (Data([0x41, 0xff, 0x20, 0x20, 0x30, 0x00]), "not UTF-8"),
    ]
    for (content, reason) in cases {
      #expect {
        try InflatableObject(parsing: content)
      } throws: { error in
        guard case .malformedHead(let id, let why) = error as? InflatableObjectError else { return false }
        return id == InflatableObject.objectID(of: content) && why.contains(reason)
      }
    }
  }

  @Test func unknownTypesAndWrongLengthsAreRefused() {
    let tensor = Self.content("Tensor  3", [1, 2, 3])
    #expect(
      throws: InflatableObjectError.unknownType(id: InflatableObject.objectID(of: tensor), type: "Tensor")
    ) {
      try InflatableObject(parsing: tensor)
    }
    let short = Self.content("ArrayChunk  4", [1, 2, 3])
    #expect(
      throws: InflatableObjectError.bodyLengthMismatch(
        id: InflatableObject.objectID(of: short), declared: 4, actual: 3)
    ) { try InflatableObject(parsing: short) }
  }

  @Test func pythonsJSONEscapingIsReproduced() {
    // json.dumps({"aü😀\x7f/\"\\\b\f\n\r\t\x01": "x"}) in Python 3.
    let key = "a\u{fc}\u{1F600}\u{7f}/\"\\\u{8}\u{c}\n\r\t\u{1}"
    let expected = #"{"a\u00fc\ud83d\ude00\u007f/\"\\\b\f\n\r\t\u0001": "x"}"#
    #expect(String(decoding: PythonJSON.dumps(.object([(key, .string("x"))])), as: UTF8.self) == expected)
    guard case .success(let parsed) = PythonJSON.loadObject(Data(expected.utf8)) else {
      Issue.record("the escaped object does not parse")
      return
    }
    #expect(parsed.map(\.key) == [key])
  }

  // MARK: Corrupted object sets

  /// A small message: Message → RecordDict → {ArrayRecord → Array → ArrayChunk, ConfigRecord}.
  static let message = FlowerMessage(
    metadata: FlowerMetadata(
      runID: 1, srcNodeID: 1, dstNodeID: 2, messageType: "train", createdAt: 1_764_547_200),
    content: [
      "arrays": .arrays(["w": FlowerArray(NDArray([1, 2, 3] as [Float]))]),
      "config": .config(["lr": .double(0.1)]),
    ]
  )

  static func ids(of type: InflatableObjectType, in objects: DeflatedObjects) throws -> [String] {
    try objects.ids.filter { try InflatableObject(parsing: objects[$0]!).type == type }
  }

  @Test func theIntactSetInflates() throws {
    let (id, objects) = Self.message.deflated()
    #expect(objects.count == 6)
    var want = Self.message
    want.metadata.messageID = id
    #expect(try FlowerMessage(inflating: id, from: objects.contents) == want)
  }

  @Test func anObjectThatDoesNotHashToItsIDIsRefused() throws {
    let (id, objects) = Self.message.deflated()
    let chunk = try #require(try Self.ids(of: .arrayChunk, in: objects).first)
    var contents = objects.contents
    var altered = contents[chunk]!
    altered[altered.index(before: altered.endIndex)] ^= 1
    contents[chunk] = altered
    #expect(
      throws: InflatableObjectError.hashMismatch(id: chunk, actual: InflatableObject.objectID(of: altered))
    ) {
      try FlowerMessage(inflating: id, from: contents)
    }
  }

  @Test func aMissingChildIsRefused() throws {
    let (id, objects) = Self.message.deflated()
    let chunk = try #require(try Self.ids(of: .arrayChunk, in: objects).first)
    var contents = objects.contents
    contents[chunk] = nil
    #expect(throws: InflatableObjectError.missingObject(id: chunk)) {
      try FlowerMessage(inflating: id, from: contents)
    }
    #expect(throws: InflatableObjectError.missingObject(id: chunk)) {
      try DeflatedObjects(contents: contents).tree(of: id)
    }
  }

  /// A RecordDict `{"r": child}` over a hand-made child object, stored under its true hash.
  static func recordDict(over child: Data) -> (id: String, contents: [String: Data]) {
    let childID = InflatableObject.objectID(of: child)
    var objects = DeflatedObjects()
    let id = objects.insert(
      InflatableObject(
        type: .recordDict, children: [childID], body: PythonJSON.dumpReferences([("r", childID)])))
    var contents = objects.contents
    contents[childID] = child
    return (id, contents)
  }

  @Test func aChildWithAWrongLengthIsRefused() throws {
    let body = ProtobufBody.serialize(FlowerConfigRecord(["lr": .double(0.1)]).proto)
    let bad = Self.content("ConfigRecord  \(body.count + 1)", body)
    let (id, contents) = Self.recordDict(over: bad)
    #expect(
      throws: InflatableObjectError.bodyLengthMismatch(
        id: InflatableObject.objectID(of: bad), declared: body.count + 1, actual: body.count)
    ) { try FlowerRecordDict(inflating: id, from: contents) }
  }

  @Test func aChildOfUnknownTypeIsRefused() throws {
    let bad = Self.content("TensorRecord  2", "{}".utf8)
    let (id, contents) = Self.recordDict(over: bad)
    #expect(
      throws: InflatableObjectError.unknownType(id: InflatableObject.objectID(of: bad), type: "TensorRecord")
    ) {
      try FlowerRecordDict(inflating: id, from: contents)
    }
  }

  @Test func aChildOfTheWrongTypeIsRefused() throws {
    let chunk = InflatableObject(type: .arrayChunk, children: [], body: Data([1])).content
    let (id, contents) = Self.recordDict(over: chunk)
    #expect(
      throws: InflatableObjectError.unexpectedType(
        id: InflatableObject.objectID(of: chunk), expected: [.arrayRecord, .metricRecord, .configRecord],
        actual: .arrayChunk)
    ) { try FlowerRecordDict(inflating: id, from: contents) }
  }

  @Test func bodiesThatDoNotMatchTheirHeadsAreRefused() throws {
    // A RecordDict whose body names a record its head does not list.
    let config = FlowerConfigRecord(["lr": .double(0.1)])
    var objects = DeflatedObjects()
    let configID = config.deflate(into: &objects)
    let other = String(repeating: "0", count: 64)
    let id = objects.insert(
      InflatableObject(
        type: .recordDict, children: [configID],
        body: PythonJSON.dumpReferences([("a", configID), ("b", other)])))
    #expect {
      try FlowerRecordDict(inflating: id, from: objects.contents)
    } throws: { error in
      guard case .childrenMismatch(let errorID, _) = error as? InflatableObjectError else { return false }
      return errorID == id
    }
    // An Array whose chunk index is out of range.
    let chunkID = objects.insert(InflatableObject(type: .arrayChunk, children: [], body: Data([1])))
    let arrayID = objects.insert(
      InflatableObject(
        type: .array, children: [chunkID],
        body: Data(#"{"dtype": "uint8", "shape": [1], "stype": "custom", "arraychunk_ids": [1]}"#.utf8)))
    #expect {
      try FlowerArray(inflating: arrayID, from: objects.contents)
    } throws: { error in
      guard case .invalidBody(let errorID, .array, let reason) = error as? InflatableObjectError else {
        return false
      }
      return errorID == arrayID && reason.contains("out of range")
    }
    // A ConfigRecord item without a value.
    var item = Flwr_Proto_ConfigRecord.Item()
    item.key = "unset"
    var proto = Flwr_Proto_ConfigRecord()
    proto.items = [item]
    let unsetID = objects.insert(
      InflatableObject(type: .configRecord, children: [], body: ProtobufBody.serialize(proto)))
    #expect(
      throws: InflatableObjectError.invalidBody(
        id: unsetID, type: .configRecord, reason: "\"unset\" has no value")
    ) { try FlowerConfigRecord(inflating: unsetID, from: objects.contents) }
  }
}

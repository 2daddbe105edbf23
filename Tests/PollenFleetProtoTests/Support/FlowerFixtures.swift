import Foundation
import PollenCore
import PollenFleetProto

/// The values `reference_messages()` in `python/fleet_objects.py` builds with Flower's classes,
/// built here in Swift (keep the two in step), and a message only Swift builds.
enum FlowerFixtures {
  static let node: UInt64 = 12_345_678_901_234_567_890
  static let createdAt = 1_764_547_200.25

  static let smallArray = FlowerArray(NDArray([0, 0.5, 1, 1.5, 2, 2.5] as [Float], shape: [2, 3]))

  static var trainArrays: FlowerArrayRecord {
    [
      "0": smallArray,
      "layer.bias": FlowerArray(NDArray([-1, 0, 1] as [Int64])),
      "big": FlowerArray(NDArray((0..<1_500_000).map { Float($0) })),
      "zeros": FlowerArray(NDArray(zeros: .uint8, shape: [16_000_000])),
      "scalar": FlowerArray(NDArray([2.5] as [Double], shape: [])),
      "flags": FlowerArray(NDArray([true, false, true])),
      // float16 1.0 and -2.0, little-endian.
      "half ü \"quoted\"\n": FlowerArray(
        try! NDArray(dtype: .float16, shape: [2], bytes: Data([0x00, 0x3c, 0x00, 0xc0]))),
      "same-as-0": smallArray,
      "opaque": FlowerArray(dtype: "", shape: [], stype: "custom", data: Data()),
    ]
  }

  static let trainConfig: FlowerConfigRecord = [
    "server-round": .sint64(1),
    "lr": .double(0.1),
    "name": .string("fedavg ✓"),
    "flag": .bool(true),
    "blob": .bytes(Data([0x00, 0x01, 0xff])),
    "big": .uint64(1 << 63 + 5),
    "neg": .sint64(-3),
    "floats": .doubleList([0.5, -1.25]),
    "ints": .sintList([1, 2, 3]),
    "bigs": .uintList([1, .max]),
    "bools": .boolList([true, false]),
    "strs": .stringList(["a", ""]),
    "bytes-list": .bytesList([Data("x".utf8), Data()]),
    "empty": .boolList([]),
  ]

  static let trainMetrics: FlowerMetricRecord = [
    "num-examples": .sint64(600),
    "train_loss": .double(0.25),
    "huge": .uint64(.max),
    "hist": .sintList([1, 2]),
    "curve": .doubleList([0.1, 0.2]),
    "none": .doubleList([]),
  ]

  static var train: FlowerMessage {
    FlowerMessage(
      metadata: FlowerMetadata(
        runID: 7, srcNodeID: 1, dstNodeID: node, groupID: "round-1", ttl: 43_200, messageType: "train",
        createdAt: createdAt, srcTaskID: 3),
      content: [
        "arrays": .arrays(trainArrays),
        "config": .config(trainConfig),
        "metrics": .metrics(trainMetrics),
        "config-copy": .config(trainConfig),
      ])
  }

  static func error(replyingTo trainID: String) -> FlowerMessage {
    FlowerMessage(
      metadata: FlowerMetadata(
        runID: 7, srcNodeID: node, dstNodeID: 1, replyToMessageID: trainID, groupID: "round-1", ttl: 100.5,
        messageType: "train", createdAt: createdAt + 1.5, dstTaskID: 3),
      error: FlowerMessageError(code: 2, reason: "ClientApp raised ValueError"))
  }

  static func empty(replyingTo trainID: String) -> FlowerMessage {
    FlowerMessage(
      metadata: FlowerMetadata(
        runID: 7, srcNodeID: node, dstNodeID: 1, replyToMessageID: trainID, ttl: 60,
        messageType: "query.ping",
        createdAt: createdAt + 2),
      content: [:])
  }

  /// The three reference messages by name, as `fleet_objects.py deflate` names them.
  static func reference() -> [(name: String, message: FlowerMessage)] {
    let train = train
    let trainID = train.objectID
    return [("train", train), ("error", error(replyingTo: trainID)), ("empty", empty(replyingTo: trainID))]
  }

  /// A message Flower's script does not build: keys that JSON must escape (an emoji outside the
  /// BMP, DEL, a tab, a control character), chunk boundaries exactly at and one byte past 5 MiB,
  /// extreme integers, -0.0 and infinity, an explicit task ID of 0.
  static var swiftOnly: FlowerMessage {
    let exact = FlowerArray.maxChunkSize - 128  // the .npy header is 128 bytes
    return FlowerMessage(
      metadata: FlowerMetadata(
        runID: 1 << 40, srcNodeID: 1, dstNodeID: 2, ttl: 0.001, messageType: "evaluate",
        createdAt: 1_000_000_000.1, srcTaskID: 0),
      content: [
        "weights 😀": .arrays([
          "conv/kernel\u{7f}\t": FlowerArray(NDArray((0..<8).map { Double($0) * 1.1 }, shape: [2, 2, 2])),
          "\u{1}": FlowerArray(NDArray([.min, .max] as [Int32])),
          "u16": FlowerArray(NDArray([65_535] as [UInt16])),
          "exactly-5MiB": FlowerArray(NDArray(zeros: .uint8, shape: [exact])),
          "5MiB-and-1": FlowerArray(NDArray([UInt8](repeating: 7, count: exact + 1))),
        ]),
        "metrics": .metrics(["neg": .sint64(.min), "zero": .double(-0.0), "inf": .double(.infinity)]),
        "cfg": .config(["": .string("empty key"), "ünï": .stringList(["😀", "\u{0}"])]),
      ])
  }
}

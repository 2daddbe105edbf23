import Foundation
import PollenFleetProto

/// A message as `describe_message` in `python/fleet_objects.py` describes what Flower read, and as
/// ``init(_:)`` describes a Swift value: Python's types and values as text (floats as the decimal
/// string of their bit pattern), arrays by dtype, shape, stype and the SHA-256 of their data.
struct FlowerDescription: Codable, Equatable {
  struct Metadata: Codable, Equatable {
    var runID, messageID, srcNodeID, dstNodeID, replyToMessageID, groupID, ttl, messageType, createdAt: String
    var srcTaskID, dstTaskID: String?
  }

  struct ErrorDescription: Codable, Equatable {
    var code: String
    var reason: String?
  }

  struct ArrayDescription: Codable, Equatable {
    var key, dtype: String
    var shape: [Int]
    var stype, dataSHA256: String
    var dataCount: Int
  }

  struct Value: Codable, Equatable {
    var key, type: String
    var items: [String]
  }

  struct Record: Codable, Equatable {
    var key, kind: String
    var arrays: [ArrayDescription]?
    var values: [Value]?
  }

  var metadata: Metadata
  var error: ErrorDescription?
  var content: [Record]?

  init(_ message: FlowerMessage) {
    let m = message.metadata
    metadata = Metadata(
      runID: "\(m.runID)", messageID: m.messageID, srcNodeID: "\(m.srcNodeID)", dstNodeID: "\(m.dstNodeID)",
      replyToMessageID: m.replyToMessageID, groupID: m.groupID, ttl: "\(m.ttl.bitPattern)",
      messageType: m.messageType, createdAt: "\(m.createdAt.bitPattern)",
      srcTaskID: m.srcTaskID.map { "\($0)" },
      dstTaskID: m.dstTaskID.map { "\($0)" })
    error = message.error.map { ErrorDescription(code: "\($0.code)", reason: $0.reason) }
    content = message.content.map { content in
      content.records.map { key, record in
        switch record {
        case .arrays(let arrays):
          Record(
            key: key, kind: "array",
            arrays: arrays.arrays.map { name, array in
              ArrayDescription(
                key: name, dtype: array.dtype, shape: array.shape, stype: array.stype,
                dataSHA256: InflatableObject.objectID(of: array.data), dataCount: array.data.count)
            }, values: nil)
        case .config(let config):
          Record(key: key, kind: "config", arrays: nil, values: config.values.map { Self.describe($0, $1) })
        case .metrics(let metrics):
          Record(key: key, kind: "metric", arrays: nil, values: metrics.values.map { Self.describe($0, $1) })
        }
      }
    }
  }

  private static func list(_ key: String, _ element: String, _ items: [String]) -> Value {
    Value(key: key, type: items.isEmpty ? "list" : "list[\(element)]", items: items)
  }

  private static func bool(_ b: Bool) -> String { b ? "True" : "False" }

  static func describe(_ key: String, _ value: FlowerConfigValue) -> Value {
    switch value {
    case .double(let v): Value(key: key, type: "float", items: ["\(v.bitPattern)"])
    case .sint64(let v): Value(key: key, type: "int", items: ["\(v)"])
    case .uint64(let v): Value(key: key, type: "int", items: ["\(v)"])
    case .bool(let v): Value(key: key, type: "bool", items: [bool(v)])
    case .string(let v): Value(key: key, type: "str", items: [v])
    case .bytes(let v): Value(key: key, type: "bytes", items: [v.base64EncodedString()])
    case .doubleList(let v): list(key, "float", v.map { "\($0.bitPattern)" })
    case .sintList(let v): list(key, "int", v.map { "\($0)" })
    case .uintList(let v): list(key, "int", v.map { "\($0)" })
    case .boolList(let v): list(key, "bool", v.map(bool))
    case .stringList(let v): list(key, "str", v)
    case .bytesList(let v): list(key, "bytes", v.map { $0.base64EncodedString() })
    }
  }

  static func describe(_ key: String, _ value: FlowerMetricValue) -> Value {
    switch value {
    case .double(let v): describe(key, FlowerConfigValue.double(v))
    case .sint64(let v): describe(key, FlowerConfigValue.sint64(v))
    case .uint64(let v): describe(key, FlowerConfigValue.uint64(v))
    case .doubleList(let v): describe(key, FlowerConfigValue.doubleList(v))
    case .sintList(let v): describe(key, FlowerConfigValue.sintList(v))
    case .uintList(let v): describe(key, FlowerConfigValue.uintList(v))
    }
  }
}

/// What `fleet_objects.py inflate` writes.
struct InflatedFile: Codable {
  struct Message: Codable {
    var name: String
    var reDeflatedIDsMatch: Bool
    var reDeflatedBytesMatch: Bool
    var description: FlowerDescription
  }

  var messages: [Message]
}

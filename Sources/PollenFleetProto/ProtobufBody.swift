import SwiftProtobuf

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The protobuf bodies of `ConfigRecord`, `MetricRecord` and `Message` objects.
enum ProtobufBody {
  /// `message.SerializeToString(deterministic=True)`: fields in number order, map entries sorted.
  /// The record and message bodies hold no maps, so this is also what Flower's plain
  /// `SerializeToString()` writes for them.
  static func serialize(_ message: some SwiftProtobuf.Message) -> Data {
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    // Encoding fails only for missing proto2 required fields (none in proto3) or past 2 GiB,
    // which no body reaches: chunks hold array data and bodies only metadata and small records.
    return (try? message.serializedBytes(options: options)) ?? Data()
  }

  /// `M.FromString(body)`, or the reason it fails.
  static func parse<M: SwiftProtobuf.Message>(_ type: M.Type, _ body: Data) -> Result<M, ParseError> {
    do {
      return .success(try M(serializedBytes: body))
    } catch {
      return .failure(ParseError(description: "not a protobuf \(M.protoMessageName): \(error)"))
    }
  }

  /// Why a body is not the protobuf expected.
  struct ParseError: Error, CustomStringConvertible {
    var description: String
  }
}

import Foundation
import GRPCNIOTransportCore
import PollenCore
import PollenFlowerProto
import SwiftProtobuf
import Testing

@testable import PollenGRPC

/// A fit result's tensors are read in place from the transport's bytes (``FitResDecoder``), and
/// the message is the one swift-protobuf decodes.
@Suite struct FitResDecoderTests {
  static func transport(_ message: Flwr_Proto_ClientMessage) throws -> GRPCNIOTransportBytes {
    GRPCNIOTransportBytes(try message.serializedBytes() as [UInt8])
  }

  static func fitRes(tensors: [Data], type: String = "numpy.ndarray") -> Flwr_Proto_ClientMessage {
    var m = Flwr_Proto_ClientMessage()
    m.fitRes.status = Flwr_Proto_Status(.ok)
    m.fitRes.status.message = "fine"
    m.fitRes.numExamples = 10
    m.fitRes.parameters.tensors = tensors
    m.fitRes.parameters.tensorType = type
    var scalar = Flwr_Proto_Scalar()
    scalar.double = 0.25
    m.fitRes.metrics["loss"] = scalar
    return m
  }

  @Test func decodesWhatSwiftProtobufDecodes() throws {
    let cases = [
      Self.fitRes(tensors: [Data(repeating: 1, count: 100_000), Data(), Data([1, 2, 3])]),
      Self.fitRes(tensors: [], type: ""),
      Self.fitRes(tensors: [Data(repeating: 7, count: 300)], type: "numpy.ndärray"),
    ]
    for message in cases {
      let decoded = try #require(FitResDecoder.decode(try Self.transport(message)))
      #expect(decoded == message)
    }
    var noParameters = Flwr_Proto_ClientMessage()
    noParameters.fitRes.numExamples = 3
    #expect(FitResDecoder.decode(try Self.transport(noParameters)) == noParameters)
  }

  @Test func theTensorsOutliveTheirMessage() throws {
    var tensor: Data?
    do {
      let bytes = try Self.transport(Self.fitRes(tensors: [Data(repeating: 9, count: 4096)]))
      tensor = try #require(FitResDecoder.decode(bytes)).fitRes.parameters.tensors.first
    }
    #expect(tensor == Data(repeating: 9, count: 4096))
  }

  @Test func anythingElseIsLeftToSwiftProtobuf() throws {
    var evaluate = Flwr_Proto_ClientMessage()
    evaluate.evaluateRes.loss = 1
    #expect(FitResDecoder.decode(try Self.transport(evaluate)) == nil)
    // `parameters` twice (protobuf merges them), a truncated message, a bad tensor_type.
    let one = try Self.fitRes(tensors: [Data([1])]).fitRes.parameters.serializedBytes() as [UInt8]
    let fit = try Self.fitRes(tensors: [Data([1])]).fitRes.serializedBytes() as [UInt8]
    let twiceFit = fit + [0x12, UInt8(one.count)] + one
    let framed = [0x22] + varint(twiceFit.count) + twiceFit
    #expect(FitResDecoder.decode(GRPCNIOTransportBytes(framed)) == nil)
    #expect(try Flwr_Proto_ClientMessage(serializedBytes: framed).fitRes.parameters.tensors.count == 2)
    let whole = try Self.transport(Self.fitRes(tensors: [Data(repeating: 1, count: 50)]))
    let truncated = Array(whole.withUnsafeBytes { Array($0) }.dropLast(3))
    #expect(FitResDecoder.decode(GRPCNIOTransportBytes(truncated)) == nil)
    let emptyType: [UInt8] = [0x22, 0x04, 0x12, 0x02, 0x12, 0x00]
    #expect(FitResDecoder.decode(GRPCNIOTransportBytes(emptyType)) != nil)
    let invalidUTF8: [UInt8] = [0x22, 0x05, 0x12, 0x03, 0x12, 0x01, 0xff]
    #expect(FitResDecoder.decode(GRPCNIOTransportBytes(invalidUTF8)) == nil)
  }

  @Test func npyTensorsAreAlignedInTheReceivedBytesAndDecodeTheSame() throws {
    // Four float32 tensors and a float64 one: after protobuf tags and lengths, most of their
    // data starts misaligned in the message.
    let arrays =
      (0..<4).map { i in NDArray((0..<(1000 + i)).map { Float($0 + i) }) } + [NDArray([0.5, -1.5])]
    let message = Self.fitRes(tensors: arrays.map { $0.npy() })
    let bytes = try Self.transport(message)
    let decoded = try #require(FitResDecoder.decode(bytes))
    let tensors = try decoded.fitRes.parameters.tensors.map { try NDArray(npy: $0) }
    #expect(tensors == arrays)
    // Each array's bytes lie inside the received message (no copy was made).
    bytes.withUnsafeBytes { raw in
      for tensor in tensors {
        tensor.bytes.withUnsafeBytes { data in
          let start = UnsafeRawPointer(data.baseAddress!)
          #expect(start >= raw.baseAddress! && start + data.count <= raw.baseAddress! + raw.count)
          #expect(Int(bitPattern: start) % tensor.dtype.itemSize == 0)
        }
      }
    }
    // The rest of the message is what swift-protobuf decodes.
    var rest = decoded
    rest.fitRes.parameters.tensors = []
    var original = message
    original.fitRes.parameters.tensors = []
    #expect(rest == original)
  }

  @Test func theFirstTensorsDataOffsetIsReadFromTheMessagesFirstBytes() throws {
    let npy = NDArray((0..<1000).map { Float($0) }).npy()
    let bytes: [UInt8] = try Self.fitRes(tensors: [npy, npy]).serializedBytes()
    let npyStart = try #require(bytes.firstRange(of: Array(npy.prefix(16)))?.lowerBound)
    let expected = npyStart + npy.count - 4000  // the data follows the .npy header
    #expect(Array(bytes[expected..<(expected + 8)]) == Array(npy.suffix(4000).prefix(8)))
    bytes.withUnsafeBytes { raw in
      #expect(FitResDecoder.firstTensorDataOffset(inPrefix: raw) == expected)
      // The status before the parameters, and the .npy header's length, must be there; the
      // rest of the header and the data need not be.
      #expect(
        FitResDecoder.firstTensorDataOffset(inPrefix: .init(rebasing: raw[..<(npyStart + 12)])) == expected)
      #expect(FitResDecoder.firstTensorDataOffset(inPrefix: .init(rebasing: raw[..<(npyStart + 9)])) == nil)
      #expect(FitResDecoder.firstTensorDataOffset(inPrefix: .init(rebasing: raw[..<8])) == nil)
    }
    var evaluate = Flwr_Proto_ClientMessage()
    evaluate.evaluateRes.loss = 1
    evaluate.evaluateRes.numExamples = 3
    let other: [UInt8] = try evaluate.serializedBytes()
    #expect(other.withUnsafeBytes { FitResDecoder.firstTensorDataOffset(inPrefix: $0) } == nil)
    var notNPY = Self.fitRes(tensors: [Data(repeating: 1, count: 64)])
    notNPY.fitRes.parameters.tensorType = "raw"
    let raw: [UInt8] = try notNPY.serializedBytes()
    #expect(raw.withUnsafeBytes { FitResDecoder.firstTensorDataOffset(inPrefix: $0) } == nil)
  }

  private func varint(_ n: Int) -> [UInt8] {
    var n = n
    var out: [UInt8] = []
    while n >= 0x80 {
      out.append(UInt8(n & 0x7f) | 0x80)
      n >>= 7
    }
    out.append(UInt8(n))
    return out
  }
}

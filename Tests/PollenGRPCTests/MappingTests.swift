import Foundation
import PollenClient
import PollenCore
import PollenFlowerProto
import SwiftProtobuf
import Testing

@testable import PollenGRPC

/// Proto ⇄ core mapping: every message survives a trip through wire bytes.
@Suite struct MappingTests {
  let tensors = [
    NDArray([Float(1), 2, 3], shape: [3]), NDArray([Int64(1), 2, 3, 4], shape: [2, 2]),
    NDArray([true, false], shape: [2]), NDArray([Double(0.5)], shape: []),
  ]
  let config: Config = [
    "lr": .double(0.1), "epochs": .int(-2), "big": .uint(UInt64.max), "flag": .bool(true),
    "name": .string("ünï"), "raw": .bytes([0, 1, 255]),
  ]

  /// Encodes to bytes and back.
  func wire(_ instruction: Instruction) throws -> Instruction {
    let bytes: [UInt8] = try Flwr_Proto_ServerMessage(instruction).serializedBytes()
    return try Instruction(proto: Flwr_Proto_ServerMessage(serializedBytes: bytes))
  }

  func wire(_ reply: Reply) throws -> Reply {
    let bytes: [UInt8] = try Flwr_Proto_ClientMessage(reply).serializedBytes()
    return try Reply(proto: Flwr_Proto_ClientMessage(serializedBytes: bytes))
  }

  @Test func instructionsRoundTrip() throws {
    let parameters = Parameters(tensors: tensors)
    let all: [Instruction] = [
      .getProperties(GetPropertiesIns(config: config)), .getParameters(GetParametersIns(config: config)),
      .fit(FitIns(parameters: parameters, config: config)),
      .evaluate(EvaluateIns(parameters: parameters, config: config)),
      .reconnect(ReconnectIns(seconds: 5)), .reconnect(ReconnectIns(seconds: nil)),
      .fit(FitIns(parameters: .empty)),
    ]
    for instruction in all { #expect(try wire(instruction) == instruction) }
  }

  @Test func reconnectSecondsZeroIsNil() throws {
    #expect(Flwr_Proto_ServerMessage(.reconnect(ReconnectIns(seconds: nil))).reconnectIns.seconds == 0)
    var message = Flwr_Proto_ServerMessage()
    message.reconnectIns = .init()
    #expect(try Instruction(proto: message) == .reconnect(ReconnectIns(seconds: nil)))
  }

  @Test func repliesRoundTrip() throws {
    let parameters = Parameters(tensors: tensors)
    let notOK = Status(code: .fitNotImplemented, message: "no fit")
    let all: [Reply] = [
      .getProperties(GetPropertiesRes(status: .ok, properties: config)),
      .getParameters(GetParametersRes(status: .ok, parameters: parameters)),
      .fit(FitRes(status: .ok, parameters: parameters, numExamples: 12, metrics: config)),
      .fit(FitRes(status: notOK, parameters: .empty, numExamples: 0)),
      .evaluate(EvaluateRes(status: .ok, loss: 0.25, numExamples: 3, metrics: config)),
      .disconnect(DisconnectRes(reason: .reconnect)), .disconnect(DisconnectRes(reason: .ack)),
    ]
    for reply in all { #expect(try wire(reply) == reply) }
  }

  @Test func evaluateLossIsFloat32OnTheWire() throws {
    let reply = Reply.evaluate(EvaluateRes(loss: 0.1, numExamples: 1))
    #expect(Flwr_Proto_ClientMessage(reply).evaluateRes.loss == Float(0.1))
    guard case .evaluate(let res) = try wire(reply) else { Issue.record("wrong kind"); return }
    #expect(res.loss == Double(Float(0.1)))
  }

  @Test func scalarOneofCoversEveryKind() throws {
    #expect(Flwr_Proto_Scalar(.uint(UInt64.max)).scalar == .uint64(UInt64.max))
    #expect(Flwr_Proto_Scalar(.int(-3)).scalar == .sint64(-3))
    #expect(Flwr_Proto_Scalar(.double(1.5)).scalar == .double(1.5))
    #expect(Flwr_Proto_Scalar(.bool(false)).scalar == .bool(false))
    #expect(Flwr_Proto_Scalar(.string("s")).scalar == .string("s"))
    #expect(Flwr_Proto_Scalar(.bytes([7])).scalar == .bytes(Data([7])))
    // Python's Scalar(uint64=2**64-1), as Flower serialises it.
    let python = try Flwr_Proto_Scalar(serializedBytes: hex("30ffffffffffffffffff01"))
    #expect(try Scalar(proto: python, key: "k") == .uint(UInt64.max))
    #expect(throws: PollenError.self) { try Scalar(proto: Flwr_Proto_Scalar(), key: "unset") }
  }

  @Test func readsFlowerFitIns() throws {
    // ServerMessage(fit_ins=...) serialised by Flower 1.41 (serde.fit_ins_to_proto): tensors
    // arange(3, float32) and [[1,2],[3,4]] int64; config lr=0.1, local_epochs=2, name="x",
    // flag=True, raw=b"\x01\x02".
    let message = try Flwr_Proto_ServerMessage(serializedBytes: hex(FlowerFixtures.fitIns))
    guard case .fit(let ins) = try Instruction(proto: message) else { Issue.record("not fit_ins"); return }
    #expect(
      ins.parameters.tensors == [NDArray([Float(0), 1, 2]), NDArray([Int64(1), 2, 3, 4], shape: [2, 2])])
    #expect(ins.parameters.tensorType == "numpy.ndarray")
    #expect(ins.config == ["lr": 0.1, "local_epochs": 2, "name": "x", "flag": true, "raw": .bytes([1, 2])])
  }

  @Test func readsFlowerEvaluateRes() throws {
    // EvaluateRes(Status(OK, "Success"), loss=0.1, num_examples=7, {"accuracy": 0.5, "n": -3}).
    let message = try Flwr_Proto_ClientMessage(serializedBytes: hex(FlowerFixtures.evaluateRes))
    let expected = EvaluateRes(
      status: .ok, loss: Double(Float(0.1)), numExamples: 7, metrics: ["accuracy": 0.5, "n": -3])
    #expect(try Reply(proto: message) == .evaluate(expected))
  }

  @Test func undecodableTensorNamesItsIndex() throws {
    var message = Flwr_Proto_ClientMessage(
      .fit(FitRes(parameters: Parameters(tensors: tensors), numExamples: 1)))
    message.fitRes.parameters.tensors[2] = Data("garbage".utf8)
    let error = #expect(throws: PollenError.self) { try Reply(proto: message) }
    #expect(error?.code == .invalidTensor)
    #expect(error?.message.hasPrefix("tensor 2: ") == true)
  }

  @Test func emptyOrInvalidMessagesAreErrors() throws {
    #expect(throws: PollenError.self) { try Reply(proto: Flwr_Proto_ClientMessage()) }
    #expect(throws: PollenError.self) { try Instruction(proto: Flwr_Proto_ServerMessage()) }
    var badStatus = Flwr_Proto_ClientMessage(.fit(FitRes(parameters: .empty, numExamples: 1)))
    badStatus.fitRes.status.code = .UNRECOGNIZED(9)
    #expect(throws: PollenError.self) { try Reply(proto: badStatus) }
    var negative = Flwr_Proto_ClientMessage(.fit(FitRes(parameters: .empty, numExamples: 1)))
    negative.fitRes.numExamples = -1
    #expect(throws: PollenError.self) { try Reply(proto: negative) }
  }

  @Test func serverAddresses() throws {
    let v4 = try ServerAddress(parsing: "127.0.0.1:8080")
    #expect(v4.host == "127.0.0.1" && v4.port == 8080 && v4.kind == .ipv4)
    #expect(try ServerAddress(parsing: "localhost:1").kind == .dns)
    let v6 = try ServerAddress(parsing: "[::1]:9092")
    #expect(v6.host == "::1" && v6.port == 9092 && v6.kind == .ipv6 && v6.description == "[::1]:9092")
    for bad in ["", "host", "host:", ":80", "::1:80", "h:70000", "h:-1"] {
      #expect(throws: PollenError.self, "\(bad)") { try ServerAddress(parsing: bad) }
    }
  }
}

func hex(_ string: String) -> [UInt8] {
  var bytes: [UInt8] = []
  var index = string.startIndex
  while index < string.endIndex {
    let next = string.index(index, offsetBy: 2)
    bytes.append(UInt8(string[index..<next], radix: 16)!)
    index = next
  }
  return bytes
}

/// Messages serialised by Flower 1.41 (Python), as hex.
enum FlowerFixtures {
  static let fitIns =
    "228f030ac1020a8c01934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572"
    + "273a2046616c73652c20277368617065273a2028332c292c207d202020202020202020202020202020202020202020202020"
    + "2020202020202020202020202020202020202020202020202020202020202020202020200a000000000000803f000000400a"
    + "a001934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73"
    + "652c20277368617065273a2028322c2032292c207d2020202020202020202020202020202020202020202020202020202020"
    + "20202020202020202020202020202020202020202020202020202020200a0100000000000000020000000000000003000000"
    + "000000000400000000000000120d6e756d70792e6e64617272617912120a0c6c6f63616c5f65706f63687312024004120f0a"
    + "026c721209099a9999999999b93f120b0a0372617712047a020102120b0a046e616d651203720178120a0a04666c61671202"
    + "6801"
  static let evaluateRes =
    "2a320a0912075375636365737315cdcccc3d180722150a086163637572616379120909000000000000e03f22070a016e12024005"
}

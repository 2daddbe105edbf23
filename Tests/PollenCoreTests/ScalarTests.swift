import Testing

@testable import PollenCore

@Suite("Scalar")
struct ScalarTests {
  @Test func doubleValue() {
    #expect(Scalar.double(1.5).doubleValue == 1.5)
    #expect(Scalar.int(-3).doubleValue == -3)
    #expect(Scalar.uint(7).doubleValue == 7)
    #expect(Scalar.bool(true).doubleValue == 1)
    #expect(Scalar.string("1").doubleValue == nil)
    #expect(Scalar.bytes([1]).doubleValue == nil)
  }

  @Test func intValue() {
    #expect(Scalar.int(-3).intValue == -3)
    #expect(Scalar.uint(7).intValue == 7)
    #expect(Scalar.uint(.max).intValue == nil)
    #expect(Scalar.double(4).intValue == 4)
    #expect(Scalar.double(4.5).intValue == nil)
    #expect(Scalar.double(.nan).intValue == nil)
    #expect(Scalar.bool(true).intValue == nil)
    #expect(Scalar.string("4").intValue == nil)
  }

  @Test func stringAndBool() {
    #expect(Scalar.string("x").stringValue == "x")
    #expect(Scalar.int(1).stringValue == nil)
    #expect(Scalar.bool(false).boolValue == false)
    #expect(Scalar.int(1).boolValue == nil)
  }

  @Test("literals pick the Flower kinds")
  func literals() {
    let config: Config = ["lr": 0.1, "epochs": 3, "name": "fedavg", "dp": true]
    #expect(config["lr"] == .double(0.1))
    #expect(config["epochs"] == .int(3))
    #expect(config["name"] == .string("fedavg"))
    #expect(config["dp"] == .bool(true))
  }

  @Test func description() {
    #expect(Scalar.double(0.5).description == "0.5")
    #expect(Scalar.uint(9).description == "9")
    #expect(Scalar.bytes([1, 2, 3]).description == "<3 bytes>")
    #expect(Scalar.string("hi").description == "hi")
  }
}

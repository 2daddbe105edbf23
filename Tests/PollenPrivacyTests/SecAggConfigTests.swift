import PollenCore
import Testing

@testable import PollenPrivacy

@Suite("SecAgg+ settings")
struct SecAggConfigTests {
  func message(_ body: () throws -> Void) -> String {
    do {
      try body()
      return ""
    } catch let e as PollenError {
      return e.message
    } catch {
      return "\(error)"
    }
  }

  @Test("Flower's defaults")
  func defaults() throws {
    let c = SecAggPlusConfig.defaults
    #expect(c.maxWeight == 1000 && c.clippingRange == 8)
    #expect(c.quantizationRange == 1 << 22 && c.modulusRange == 1 << 32 && c.timeout == nil)
    try c.validate()
  }

  @Test("num_shares and reconstruction_threshold are checked before the run")
  func sharesAndThreshold() {
    #expect(message { _ = try SecAggPlusConfig(options: ["num_shares": "4"]) }.contains("is even"))
    #expect(message { _ = try SecAggPlusConfig(options: ["num_shares": "2"]) }.contains("at least 3"))
    #expect(message { _ = try SecAggPlusConfig(options: ["num_shares": "1.5"]) }.contains("fraction"))
    #expect(
      message { _ = try SecAggPlusConfig(options: ["num_shares": "5", "reconstruction_threshold": "5"]) }
        .contains("less than num_shares"))
    #expect(
      message { _ = try SecAggPlusConfig(options: ["reconstruction_threshold": "0"]) }.contains("at least 2"))
    #expect(message { _ = try SecAggPlusConfig(options: ["num_shares": "five"]) }.contains("num_shares=five"))
    #expect(message { _ = try SecAggPlusConfig(options: ["shares": "5"]) }.contains("unknown secagg option"))
  }

  @Test("ranges, weight and timeout")
  func ranges() throws {
    #expect(
      message { _ = try SecAggPlusConfig(options: ["modulus_range": "1000000"]) }.contains("power of 2"))
    #expect(
      message { _ = try SecAggPlusConfig(options: ["modulus_range": "2^20"]) }.contains(
        "greater than quantization_range"))
    #expect(message { _ = try SecAggPlusConfig(options: ["max_weight": "0"]) }.contains("max_weight"))
    #expect(message { _ = try SecAggPlusConfig(options: ["timeout": "-1"]) }.contains("timeout"))
    let c = try SecAggPlusConfig(options: [
      "num_shares": "0.5", "reconstruction_threshold": "0.6", "max_weight": "50", "clipping_range": "2",
      "quantization_range": "2^16", "modulus_range": "2^40", "timeout": "30",
    ])
    #expect(c.numShares == .fraction(0.5) && c.reconstructionThreshold == .fraction(0.6))
    #expect(c.quantizationRange == 1 << 16 && c.modulusRange == 1 << 40 && c.timeout == 30)
    #expect(try SecAggPlusConfig(options: ["num_shares": "1"]).numShares == .fraction(1))
  }

  @Test("per-round shares and threshold, as Flower resolves fractions")
  func resolve() throws {
    let c = SecAggPlusConfig.defaults
    #expect(try c.resolve(sampleCount: 10) == (5, 3))
    #expect(try c.resolve(sampleCount: 3) == (3, 3))  // capped at the clients there are
    #expect(message { _ = try c.resolve(sampleCount: 2) }.contains("exceeds"))
    #expect(message { _ = try c.resolve(sampleCount: 1) }.contains("at least 2 clients"))
    let f = SecAggPlusConfig.defaults {
      $0.numShares = .fraction(0.4)
      $0.reconstructionThreshold = .fraction(0.5)
    }
    #expect(try f.resolve(sampleCount: 10) == (5, 2))  // 4 → odd 5; threshold max(round(2.5), 2)
    #expect(try f.resolve(sampleCount: 100) == (41, 20))
    #expect(message { _ = try c.resolve(sampleCount: 1025) }.contains("overflow"))
  }
}

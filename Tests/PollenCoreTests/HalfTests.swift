import Foundation
import Testing

@testable import PollenCore

/// ``Half`` against numpy's own float16 conversions (`Resources/half/`, made by
/// `Scripts/make-npy-vectors.py`).
@Suite("Half (float16) conversions")
struct HalfTests {
  static func load(_ name: String) throws -> NDArray {
    let url = NPYVector.directory.deletingLastPathComponent().appendingPathComponent("half/\(name)")
    return try NDArray(npy: Data(contentsOf: url))
  }

  @Test("every float16 bit pattern converts to numpy's float32, NaN payloads included")
  func toFloatExhaustive() throws {
    let expected = try Self.load("to-float32.npy").scalars(as: Float.self)
    try #require(expected.count == 65536)
    var wrong: [(UInt16, Float, Float)] = []
    for bits in 0...UInt16.max {
      let got = Half.toFloat(bits)
      if got.bitPattern != expected[Int(bits)].bitPattern { wrong.append((bits, got, expected[Int(bits)])) }
    }
    #expect(wrong.isEmpty, "first wrong (bits, Pollen, numpy): \(wrong.prefix(5))")
  }

  @Test("float32 to float16 rounds like numpy (ties to even, subnormals, overflow, NaN)")
  func fromFloat() throws {
    let inputs = try Self.load("from-float32-in.npy").scalars(as: Float.self)
    let expected = try Self.load("from-float32-out.npy").scalars(as: UInt16.self)
    try #require(inputs.count == expected.count && inputs.count > 2000)
    var wrong: [(Float, UInt16, UInt16)] = []
    for (x, want) in zip(inputs, expected) {
      let got = Half.fromFloat(x)
      let bothNaN = x.isNaN && (got & 0x7C00) == 0x7C00 && (got & 0x3FF) != 0
      if got != want && !bothNaN { wrong.append((x, got, want)) }
    }
    #expect(wrong.isEmpty, "first wrong (input, Pollen, numpy): \(wrong.prefix(5))")
  }

  @Test("known values")
  func knownValues() {
    #expect(Half.fromFloat(1) == 0x3C00)
    #expect(Half.fromFloat(-2) == 0xC000)
    #expect(Half.fromFloat(65504) == 0x7BFF)
    #expect(Half.fromFloat(65520) == 0x7C00)
    #expect(Half.fromFloat(0x1p-24) == 0x0001)
    #expect(Half.toFloat(0x3555) == 0x1.554p-2)
    #expect(Half.toFloat(0x8000).sign == .minus)
  }

  @Test("float16 arrays convert through doubles")
  func arrays() {
    let array = NDArray(doubles: [1, -0.5, 65504, 1e6, 0x1p-24], dtype: .float16, shape: [5])
    #expect(array.bytes.count == 10)
    #expect(array.doubles() == [1, -0.5, 65504, .infinity, 0x1p-24])
  }
}

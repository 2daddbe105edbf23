import Foundation
import Testing

@testable import PollenCore

@Suite("NDArray(doubles:dtype:shape:) and doubles()")
struct NDArrayConversionTests {
  static let awkward: [Double] = [1.5, 2.5, -1.5, -2.6, 300, -300, .nan, .infinity, -.infinity, 0.4]

  @Test("integers round half away from zero and clamp to the type's range; NaN becomes 0")
  func integers() {
    let int8 = NDArray(doubles: Self.awkward, dtype: .int8, shape: [10])
    #expect(int8.scalars(as: Int8.self) == [2, 3, -2, -3, 127, -128, 0, 127, -128, 0])
    let uint8 = NDArray(doubles: Self.awkward, dtype: .uint8, shape: [10])
    #expect(uint8.scalars(as: UInt8.self) == [2, 3, 0, 0, 255, 0, 0, 255, 0, 0])
    let uint64 = NDArray(doubles: [1e30, -1, 0x1p63], dtype: .uint64, shape: [3])
    #expect(uint64.scalars(as: UInt64.self) == [.max, 0, 1 << 63])
    let int64 = NDArray(doubles: [1e30, -1e30, -0x1p63], dtype: .int64, shape: [3])
    #expect(int64.scalars(as: Int64.self) == [.max, .min, .min])
    let int16 = NDArray(doubles: [32767.4, 32767.6, -32768.6], dtype: .int16, shape: [3])
    #expect(int16.scalars(as: Int16.self) == [32767, 32767, -32768])
  }

  @Test("floats round to nearest; bools are value != 0")
  func floatsAndBools() {
    let f32 = NDArray(doubles: [0.1, 1e40, -1e-50], dtype: .float32, shape: [3])
    #expect(f32.scalars(as: Float.self) == [0.1, .infinity, -0.0])
    let bools = NDArray(doubles: [0, -0.0, 2, -1, .nan, 1e-300], dtype: .bool, shape: [2, 3])
    #expect(bools.scalars(as: Bool.self) == [false, false, true, true, true, true])
    #expect(bools.shape == [2, 3])
  }

  @Test("doubles() reads every dtype, including uint64 and int64 extremes", arguments: DType.allCases)
  func doubles(_ dtype: DType) {
    let values: [Double] = [0, 1, 2, 100]
    #expect(
      NDArray(doubles: values, dtype: dtype, shape: [4]).doubles()
        == values.map { dtype == .bool ? min($0, 1) : $0 })
  }

  @Test func extremes() {
    #expect(NDArray([UInt64.max]).doubles() == [0x1p64])
    #expect(NDArray([Int64.min]).doubles() == [-0x1p63])
    #expect(NDArray([true, false]).doubles() == [1, 0])
  }

  @Test("the throwing initializer checks the byte count and negative dimensions")
  func byteCount() {
    #expect(throws: PollenError.self) { try NDArray(dtype: .float32, shape: [3], bytes: Data(count: 11)) }
    #expect(throws: PollenError.self) {
      try NDArray(dtype: .float32, shape: [-1, -3], bytes: Data(count: 12))
    }
    #expect(throws: PollenError.self) { try NDArray(dtype: .int8, shape: [1 << 62, 8], bytes: Data()) }
    #expect(throws: Never.self) { try NDArray(dtype: .float64, shape: [2, 0], bytes: Data()) }
  }
}

import PollenCore
import Testing

@testable import PollenServer

/// `Kernels.allFinite` reads IEEE 754 bits; these pin it to `isFinite` at the edges.
@Suite struct KernelsTests {
  static let float32Edges: [Float] = [
    0, -0, 1, -1, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
    .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .nan, .signalingNaN, -.nan, .infinity, -.infinity,
  ]
  static let float64Edges: [Double] = [
    0, -0, 1, -1, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
    .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .nan, .signalingNaN, -.nan, .infinity, -.infinity,
  ]

  /// `value` among finite values at the start, in the middle and at the end of an array longer
  /// than a vector register decides the answer.
  func check<T: BinaryFloatingPoint & NDArrayScalar>(_ value: T) {
    for position in [0, 17, 40] {
      var values = (0..<41).map { T($0) * 0.5 - 7 }
      values[position] = value
      #expect(Kernels.allFinite(NDArray(values, shape: [41])) == value.isFinite, "\(value) at \(position)")
    }
  }

  @Test(arguments: float32Edges) func oneFloat32AmongFiniteValuesDecides(value: Float) { check(value) }
  @Test(arguments: float64Edges) func oneFloat64AmongFiniteValuesDecides(value: Double) { check(value) }

  @Test func emptyAndIntegerArraysAreFinite() {
    #expect(Kernels.allFinite(NDArray([Float](), shape: [0])))
    #expect(Kernels.allFinite(NDArray([Int32(1), .max, .min], shape: [3])))
  }
}

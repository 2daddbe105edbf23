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

  @Test(arguments: float32Edges)
  func oneFloat32AmongFiniteValuesDecides(value: Float) {
    // At the start, in the middle and at the end of an array longer than a vector.
    for position in [0, 17, 40] {
      var values = (0..<41).map { Float($0) * 0.5 - 7 }
      values[position] = value
      #expect(Kernels.allFinite(NDArray(values, shape: [41])) == value.isFinite, "\(value) at \(position)")
    }
  }

  @Test(arguments: float64Edges)
  func oneFloat64AmongFiniteValuesDecides(value: Double) {
    for position in [0, 17, 40] {
      var values = (0..<41).map { Double($0) * 0.5 - 7 }
      values[position] = value
      #expect(Kernels.allFinite(NDArray(values, shape: [41])) == value.isFinite, "\(value) at \(position)")
    }
  }

  @Test func emptyAndIntegerArraysAreFinite() {
    #expect(Kernels.allFinite(NDArray([Float](), shape: [0])))
    #expect(Kernels.allFinite(NDArray([Int32(1), .max, .min], shape: [3])))
  }
}

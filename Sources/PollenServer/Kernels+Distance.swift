import PollenCore

extension Kernels {
  /// Σ (a[i] − b[i])² in double precision; `a` and `b` must have the same element count.
  public static func squaredDistance(_ a: NDArray, _ b: NDArray) -> Double {
    precondition(a.count == b.count, "arrays differ in size")
    switch (a.dtype, b.dtype) {
    case (.float32, .float32):
      return a.withUnsafeBufferPointer(as: Float.self) { x in
        b.withUnsafeBufferPointer(as: Float.self) { y in squaredDistance(x, y) }
      }
    case (.float64, .float64):
      return a.withUnsafeBufferPointer(as: Double.self) { x in
        b.withUnsafeBufferPointer(as: Double.self) { y in squaredDistance(x, y) }
      }
    default:
      var sum = 0.0
      for (x, y) in zip(a.doubles(), b.doubles()) { sum += (x - y) * (x - y) }
      return sum
    }
  }

  @inline(__always)
  static func squaredDistance(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Double {
    // Four independent accumulators let the loop vectorise without reassociating one sum.
    var s0 = 0.0
    var s1 = 0.0
    var s2 = 0.0
    var s3 = 0.0
    let n = x.count
    var i = 0
    while i + 4 <= n {
      let d0 = Double(x[i]) - Double(y[i])
      let d1 = Double(x[i + 1]) - Double(y[i + 1])
      let d2 = Double(x[i + 2]) - Double(y[i + 2])
      let d3 = Double(x[i + 3]) - Double(y[i + 3])
      s0 += d0 * d0
      s1 += d1 * d1
      s2 += d2 * d2
      s3 += d3 * d3
      i += 4
    }
    while i < n {
      let d = Double(x[i]) - Double(y[i])
      s0 += d * d
      i += 1
    }
    return (s0 + s1) + (s2 + s3)
  }

  @inline(__always)
  static func squaredDistance(_ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>) -> Double {
    var s0 = 0.0
    var s1 = 0.0
    let n = x.count
    var i = 0
    while i + 2 <= n {
      let d0 = x[i] - y[i]
      let d1 = x[i + 1] - y[i + 1]
      s0 += d0 * d0
      s1 += d1 * d1
      i += 2
    }
    if i < n { s0 += (x[i] - y[i]) * (x[i] - y[i]) }
    return s0 + s1
  }

  /// Σ a[i]² in double precision (the squared L2 norm).
  public static func squaredNorm(_ a: NDArray) -> Double {
    switch a.dtype {
    case .float32:
      return a.withUnsafeBufferPointer(as: Float.self) { x in
        var s = 0.0
        for v in x { s += Double(v) * Double(v) }
        return s
      }
    default:
      return a.doubles().reduce(0) { $0 + $1 * $1 }
    }
  }
}

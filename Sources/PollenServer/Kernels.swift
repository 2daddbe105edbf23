import PollenCore

/// Element-wise loops over contiguous buffers (written so the compiler vectorises them).
public enum Kernels {
  /// `acc[i] += weight * Double(a[i])` for any numeric dtype of `a`.
  public static func addScaled(_ a: NDArray, weight: Double, into acc: UnsafeMutableBufferPointer<Double>) {
    switch a.dtype {
    case .float32: a.withUnsafeBufferPointer(as: Float.self) { addScaled($0, weight, acc) }
    case .float64: a.withUnsafeBufferPointer(as: Double.self) { addScaled($0, weight, acc) }
    default:
      for (i, v) in a.doubles().enumerated() { acc[i] += weight * v }
    }
  }

  @inline(__always)
  static func addScaled(
    _ x: UnsafeBufferPointer<Float>, _ w: Double, _ acc: UnsafeMutableBufferPointer<Double>
  ) {
    for i in 0..<x.count { acc[i] += w * Double(x[i]) }
  }

  @inline(__always)
  static func addScaled(
    _ x: UnsafeBufferPointer<Double>, _ w: Double, _ acc: UnsafeMutableBufferPointer<Double>
  ) {
    for i in 0..<x.count { acc[i] += w * x[i] }
  }

  /// An array of `dtype` holding `values[i] * scale` (rounded for integer dtypes).
  public static func makeArray(_ values: [Double], scale: Double, dtype: DType, shape: [Int]) -> NDArray {
    switch dtype {
    case .float32:
      return NDArray(values.map { Float($0 * scale) }, shape: shape)
    case .float64:
      return NDArray(values.map { $0 * scale }, shape: shape)
    default:
      return NDArray(doubles: values.map { $0 * scale }, dtype: dtype, shape: shape)
    }
  }

  /// Whether every element of `a` is finite (always true for integer and bool dtypes).
  public static func allFinite(_ a: NDArray) -> Bool {
    switch a.dtype {
    case .float32:
      return a.withUnsafeBufferPointer(as: Float.self) { p in
        var ok = true
        for v in p where !v.isFinite { ok = false }
        return ok
      }
    case .float64:
      return a.withUnsafeBufferPointer(as: Double.self) { p in
        var ok = true
        for v in p where !v.isFinite { ok = false }
        return ok
      }
    case .float16:
      return a.doubles().allSatisfy(\.isFinite)
    default:
      return true
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The few C maths functions the aggregation code needs (the standard library has no `pow`).
enum MathFunctions {
  /// `x` raised to `y` (numpy's `float_power` for doubles).
  @inline(__always) static func pow(_ x: Double, _ y: Double) -> Double {
    #if canImport(Glibc)
      Glibc.pow(x, y)
    #elseif canImport(Musl)
      Musl.pow(x, y)
    #else
      Darwin.pow(x, y)
    #endif
  }
}

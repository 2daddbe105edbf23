import Dispatch
import PollenCore

/// The shape of a matrix product `(m × k) · (k × n)`.
public struct MatMulShape: Sendable, Hashable, CustomStringConvertible {
  public var m: Int
  public var k: Int
  public var n: Int

  public init(m: Int, k: Int, n: Int) {
    self.m = m
    self.k = k
    self.n = n
  }

  /// A square product `n × n · n × n`.
  public static func square(_ n: Int) -> MatMulShape { MatMulShape(m: n, k: n, n: n) }

  /// Parses `"MxKxN"` (or `"N"` for a square product).
  public init?(_ text: String) {
    let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
    switch parts.count {
    case 1: self = .square(parts[0])
    case 3: self.init(m: parts[0], k: parts[1], n: parts[2])
    default: return nil
    }
  }

  /// `"MxKxN"`, as `Benchmarks/matmul_numpy.py` prints it.
  public var description: String { "\(m)x\(k)x\(n)" }

  /// Floating-point operations of one product (`2·m·k·n`).
  public var flops: Double { 2 * Double(m) * Double(k) * Double(n) }
}

/// Measures ``MatMul/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:kernel:threads:)``
/// in GFLOP/s, for `pollen bench matmul` and for comparison with `Benchmarks/matmul_numpy.py`.
public enum MatMulBenchmark {
  /// Square products and the shapes PollenNN's models multiply (batch 32): the digits MLP, the
  /// CNN's convolutions as im2col products, and its 3136 → 512 dense layer.
  public static let defaultShapes: [MatMulShape] = [
    .square(256), .square(512), .square(1024),
    MatMulShape(m: 32, k: 64, n: 64), MatMulShape(m: 64, k: 32, n: 64),
    MatMulShape(m: 25088, k: 25, n: 32), MatMulShape(m: 6272, k: 800, n: 64),
    MatMulShape(m: 32, k: 3136, n: 512), MatMulShape(m: 3136, k: 32, n: 512),
  ]

  /// The best GFLOP/s of `repetitions` timed products (after one warm-up) for each shape.
  public static func run(
    shapes: [MatMulShape] = defaultShapes, repetitions: Int = 10, kernel: MatMul.Kernel = .automatic,
    threads: Int? = nil
  ) -> [(shape: MatMulShape, gflops: Double)] {
    shapes.map { shape in
      var rng = SeededRandom(seed: 1)
      let a = (0..<(shape.m * shape.k)).map { _ in Float(rng.nextUnit() - 0.5) }
      let b = (0..<(shape.k * shape.n)).map { _ in Float(rng.nextUnit() - 0.5) }
      var c = [Float](repeating: 0, count: shape.m * shape.n)
      var best = Double.infinity
      for rep in 0...max(1, repetitions) {
        let start = DispatchTime.now().uptimeNanoseconds
        MatMul.gemm(
          m: shape.m, n: shape.n, k: shape.k, a: a, lda: shape.k, b: b, ldb: shape.n, c: &c,
          ldc: shape.n, kernel: kernel, threads: threads)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if rep > 0 { best = min(best, seconds) }
      }
      return (shape, shape.flops / best / 1e9)
    }
  }
}

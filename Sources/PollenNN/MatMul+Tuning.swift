import Foundation

extension MatMul {
  /// The micro-kernel ``Kernel/automatic`` uses off Apple platforms: `POLLEN_GEMM_KERNEL` from
  /// the environment when it names one; in `DEBUG` builds ``Kernel/scalar``; on CPUs with AVX2
  /// and FMA ``Kernel/avx2fma6x16``; else the faster of the two Swift SIMD kernels on a small
  /// in-cache product, timed once per process (a few milliseconds). The two Swift SIMD kernels
  /// give bit-identical results.
  static let tunedKernel: Kernel = {
    if let name = ProcessInfo.processInfo.environment["POLLEN_GEMM_KERNEL"],
      let kernel = Kernel(rawValue: name), kernel != .automatic
    {
      return kernel
    }
    #if DEBUG
      return .scalar
    #else
      return hasAVX2FMA ? .avx2fma6x16 : fastestKernel(among: [.broadcast4x16, .splat6x8])
    #endif
  }()

  /// The kernel with the best time over a few alternating runs of a 96 × 256 · 256 × 256 product.
  static func fastestKernel(among kernels: [Kernel]) -> Kernel {
    let (m, n, k) = (96, 256, 256)
    let a = [Float](repeating: 0.5, count: m * k)
    let b = [Float](repeating: 0.25, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    var best = [Double](repeating: .infinity, count: kernels.count)
    for _ in 0..<5 {
      for (index, kernel) in kernels.enumerated() {
        let start = DispatchTime.now().uptimeNanoseconds
        gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n, kernel: kernel, threads: 1)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
        best[index] = min(best[index], elapsed)
      }
    }
    return kernels[best.indices.min { best[$0] < best[$1] }!]
  }
}

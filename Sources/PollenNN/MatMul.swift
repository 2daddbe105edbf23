import CPollenGemm
import Dispatch
import Foundation

#if canImport(Accelerate)
  import Accelerate
#endif

/// Single-precision matrix multiplication (GEMM) for PollenNN's layers.
///
/// On Apple platforms it calls Accelerate's `cblas_sgemm`. Elsewhere it runs a cache-blocked
/// GEMM with packed panels and SIMD register-blocked micro-kernels, and splits large products
/// across cores with `DispatchQueue.concurrentPerform`.
public enum MatMul {
  /// Which implementation multiplies.
  public enum Kernel: String, Sendable, CaseIterable {
    /// Accelerate on Apple platforms; elsewhere the faster micro-kernel on this machine.
    case automatic
    /// Blocked GEMM with the 6 × 16 AVX2 fused multiply-add kernel (x86-64 CPUs with AVX2 and
    /// FMA, chosen at run time; elsewhere it falls back to ``broadcast4x16``). Its rounding
    /// differs from the other kernels' (one rounding per multiply-add).
    case avx2fma6x16
    /// Blocked GEMM with the 4 × 16 `SIMD8` kernel (fast when compiled for AVX).
    case broadcast4x16
    /// Blocked GEMM with the 6 × 8 `SIMD4` kernel (fast with SSE2 or NEON).
    case splat6x8
    /// The reference triple loop.
    case naive
    /// Plain loops without SIMD types: what ``automatic`` uses in unoptimised (`DEBUG`)
    /// builds, where SIMD code is tens of times slower than scalar code.
    case scalar
  }

  /// `C = alpha · op(A) · op(B) + beta · C` on row-major matrices, `op(X)` being `X` or its
  /// transpose, like BLAS `sgemm`.
  ///
  /// `op(A)` is `m × k`, `op(B)` is `k × n` and C is `m × n`; `lda`, `ldb`, `ldc` are the
  /// distances between rows in memory. With `beta == 0`, C is written without being read.
  /// - Parameters:
  ///   - transposeA: use `Aᵀ` for `op(A)`.
  ///   - transposeB: use `Bᵀ` for `op(B)`.
  ///   - m: rows of `op(A)` and C.
  ///   - n: columns of `op(B)` and C.
  ///   - k: columns of `op(A)`, rows of `op(B)`.
  ///   - alpha: the product's scale.
  ///   - a: A's elements, row-major.
  ///   - lda: the distance between A's rows.
  ///   - b: B's elements, row-major.
  ///   - ldb: the distance between B's rows.
  ///   - beta: C's scale before the product is added (0: C is only written).
  ///   - c: C's elements, row-major; the result.
  ///   - ldc: the distance between C's rows.
  ///   - kernel: the implementation (``Kernel/automatic`` unless benchmarking or testing).
  ///   - threads: at most this many threads (default: the active processor count); small
  ///     products always run on the calling thread.
  public static func gemm(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
    kernel: Kernel = .automatic, threads: Int? = nil
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "negative matrix dimension")
    if m == 0 || n == 0 { return }
    let problem = GemmProblem(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
      a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    if k == 0 || alpha == 0 {
      problem.scaleC()
      return
    }
    var kernel = kernel
    if kernel == .automatic {
      #if canImport(Accelerate)
        cblas_sgemm(
          CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
          Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        return
      #else
        kernel = tunedKernel
      #endif
    }
    if kernel == .naive || kernel == .scalar {
      kernel == .naive ? problem.runNaive() : problem.runScalar()
      return
    }
    let parts = partitionCount(m: m, n: n, k: k, maxThreads: threads ?? processorCount)
    if parts <= 1 {
      problem.run(kernel)
      return
    }
    // Split C into `parts` bands of rows (or of columns when C is wide), aligned to 16.
    let splitRows = m >= n
    let extent = splitRows ? m : n
    let band = ((extent + parts - 1) / parts + 15) / 16 * 16
    let shared = UncheckedSendable(problem)
    let chosen = kernel
    DispatchQueue.concurrentPerform(iterations: (extent + band - 1) / band) { part in
      let range = (part * band)..<min(extent, (part + 1) * band)
      let sub = splitRows ? shared.value.rows(range) : shared.value.columns(range)
      sub.run(chosen)
    }
  }

  /// The number of threads worth using: each should get at least ~2 MFLOP and 32 rows or
  /// columns of C, so that packing and dispatch stay cheap compared with the arithmetic.
  static func partitionCount(m: Int, n: Int, k: Int, maxThreads: Int) -> Int {
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    let byWork = Int(flops / 2e6)
    let byShape = max(m, n) / 32
    return max(1, min(maxThreads, byWork, byShape))
  }

  static let processorCount = ProcessInfo.processInfo.activeProcessorCount

  /// Whether this CPU has AVX2 and FMA (``Kernel/avx2fma6x16`` runs natively).
  public static let hasAVX2FMA = pollen_gemm_has_avx2_fma()

  /// The kernels that run natively on this machine (for tests and benchmarks).
  public static var nativeKernels: [Kernel] {
    (hasAVX2FMA ? [.avx2fma6x16] : []) + [.broadcast4x16, .splat6x8, .scalar, .naive]
  }
}

/// Wraps a value that is safe to share because the code sharing it guarantees disjoint access.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

extension GemmProblem {
  /// Runs the problem on the calling thread with `kernel` (not ``MatMul/Kernel/automatic``).
  func run(_ kernel: MatMul.Kernel) {
    switch kernel {
    case .avx2fma6x16:
      MatMul.hasAVX2FMA ? runBlocked(AVX2FMA6x16.self) : runBlocked(Broadcast4x16.self)
    case .broadcast4x16: runBlocked(Broadcast4x16.self)
    case .splat6x8: runBlocked(Splat6x8.self)
    case .scalar: runScalar()
    case .naive, .automatic: runNaive()
    }
  }

  /// `C = beta · C` (what GEMM reduces to when `k == 0` or `alpha == 0`).
  func scaleC() {
    for i in 0..<m {
      let row = c + i * ldc
      for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
    }
  }
}

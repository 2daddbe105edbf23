import Foundation
import PollenCore
import PollenNN
import Testing

@Suite struct MatMulTests {
  /// `C = alpha · op(A) · op(B) + beta · C` for every kernel, against a Double reference.
  func check(
    m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float = 1, beta: Float = 0,
    kernel: MatMul.Kernel, threads: Int? = nil
  ) {
    let a = randomValues(m * k, seed: 1)
    let b = randomValues(k * n, seed: 2)
    let c0 = randomValues(m * n, seed: 3)
    let lda = transposeA ? m : k
    let ldb = transposeB ? k : n
    var expected = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var acc = 0.0
        for p in 0..<k {
          let x = transposeA ? a[p * lda + i] : a[i * lda + p]
          let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
          acc += Double(x) * Double(y)
        }
        expected[i * n + j] = Float(Double(alpha) * acc + Double(beta) * Double(c0[i * n + j]))
      }
    }
    var c = c0
    MatMul.gemm(
      transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
      b: b, ldb: ldb, beta: beta, c: &c, ldc: n, kernel: kernel, threads: threads)
    let worst = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
    #expect(
      worst <= 1e-4 * Float(max(1, k)), "\(m)x\(k)x\(n) tA=\(transposeA) tB=\(transposeB) \(kernel): \(worst)"
    )
  }

  static let shapes = [(1, 1, 1), (3, 7, 5), (65, 33, 129), (4, 16, 1), (1, 17, 300), (37, 300, 11)]

  @Test(arguments: MatMul.nativeKernels + [.automatic])
  func matchesReferenceOnOddShapes(kernel: MatMul.Kernel) {
    for (m, n, k) in Self.shapes {
      for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        check(m: m, n: n, k: k, transposeA: ta, transposeB: tb, kernel: kernel)
      }
    }
  }

  @Test(arguments: MatMul.nativeKernels.filter { $0 != .scalar && $0 != .naive })
  func alphaBetaAndThreads(kernel: MatMul.Kernel) {
    check(m: 65, n: 129, k: 33, transposeA: false, transposeB: false, alpha: 0.5, beta: 1, kernel: kernel)
    check(m: 64, n: 40, k: 300, transposeA: true, transposeB: false, alpha: 2, beta: -0.5, kernel: kernel)
    // Large enough to split across threads, by rows and by columns.
    check(m: 300, n: 70, k: 130, transposeA: false, transposeB: true, kernel: kernel, threads: 2)
    check(m: 40, n: 300, k: 130, transposeA: true, transposeB: true, beta: 1, kernel: kernel, threads: 2)
  }

  @Test func kernelsAgreeBitForBit() {
    let (m, n, k) = (50, 70, 600)
    let a = randomValues(m * k, seed: 4)
    let b = randomValues(k * n, seed: 5)
    var results: [[Float]] = []
    for kernel in [MatMul.Kernel.broadcast4x16, .splat6x8] {
      var c = [Float](repeating: 0, count: m * n)
      MatMul.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n, kernel: kernel, threads: 2)
      results.append(c)
    }
    #expect(results[0] == results[1])
  }

  @Test func theAVX2KernelIsUsedWhereTheCPUHasIt() {
    let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let cpuHasIt = flags.contains(" avx2") && flags.contains(" fma")
    #if arch(x86_64) && os(Linux)
      #expect(MatMul.hasAVX2FMA == cpuHasIt)
    #endif
    #expect(MatMul.nativeKernels.contains(.avx2fma6x16) == MatMul.hasAVX2FMA)
  }

  @Test func emptyInnerDimensionScalesC() {
    var c: [Float] = [1, 2, 3, 4]
    let empty: [Float] = [0]
    MatMul.gemm(m: 2, n: 2, k: 0, a: empty, lda: 1, b: empty, ldb: 2, beta: 0.5, c: &c, ldc: 2)
    #expect(c == [0.5, 1, 1.5, 2])
  }

  @Test func tensorMatmul() {
    let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
    let b = Tensor(shape: [3, 2], data: [7, 8, 9, 10, 11, 12])
    #expect(Tensor.matmul(a, b).data == [58, 64, 139, 154])
    #expect(Tensor.matmul(a, a, transposeB: true).data == [14, 32, 32, 77])
    #expect(Tensor.matmul(a, a, transposeA: true).shape == [3, 3])
  }

  @Test func benchmarkReportsPositiveRates() {
    let results = MatMulBenchmark.run(shapes: [MatMulShape(m: 8, k: 8, n: 8), .square(16)], repetitions: 2)
    #expect(results.map(\.shape.description) == ["8x8x8", "16x16x16"])
    #expect(results.allSatisfy { $0.gflops > 0 })
    #expect(MatMulShape("32x64x16") == MatMulShape(m: 32, k: 64, n: 16))
    #expect(MatMulShape("256") == .square(256))
  }
}

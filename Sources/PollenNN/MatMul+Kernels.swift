import CPollenGemm

/// Register-blocked micro-kernels: each multiplies a packed `mr × kc` panel of A by a packed
/// `kc × nr` panel of B and merges the `mr × nr` result into C (`C = acc + beta · C`).
///
/// Two shapes suit two instruction sets, and Swift compiles the whole module for one of them:
/// - ``Broadcast4x16``: 8 accumulators of `SIMD8<Float>`, A broadcast from scalars. With AVX
///   (`-target-cpu haswell` or newer) each `SIMD8` is one register: 12 of the 16 ymm registers.
/// - ``Splat6x8``: 12 accumulators of `SIMD4<Float>`, A packed already splatted (4 copies of
///   each value) so the inner loop has loads and multiply-adds only. With baseline x86-64
///   (SSE2) or NEON it fits the 16 xmm registers without spilling.
/// ``MatMul/Kernel/automatic`` times both once and keeps the faster. Neither uses fused
/// multiply-add, so both give bit-identical results on every machine.
/// - ``AVX2FMA6x16``: written in C (`CPollenGemm`) for AVX2 with fused multiply-add, used
///   when the CPU has them; what ``MatMul/Kernel/automatic`` picks on such machines.
protocol MicroKernel {
  /// Rows of C per tile.
  static var mr: Int { get }
  /// Columns of C per tile.
  static var nr: Int { get }
  /// Copies of each A value in the packed panel (1, or 4 when packed splatted).
  static var splat: Int { get }
  /// Rows of A packed at once (a multiple of `mr`; the packed block should fit in L2).
  static var mc: Int { get }
  /// `C[0..<mr, 0..<nr] = A·B + beta · C`, with `kc` steps, for packed panels `a` and `b`.
  static func tile(
    kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float)
}

typealias F8 = SIMD8<Float>
typealias F4 = SIMD4<Float>

@inline(__always)
private func merge<V: SIMD>(_ acc: V, into p: UnsafeMutablePointer<Float>, beta: Float)
where V.Scalar == Float {
  let raw = UnsafeMutableRawPointer(p)
  if beta == 0 {
    raw.storeBytes(of: acc, as: V.self)
  } else if beta == 1 {
    raw.storeBytes(of: raw.loadUnaligned(as: V.self) + acc, as: V.self)
  } else {
    raw.storeBytes(of: raw.loadUnaligned(as: V.self) * beta + acc, as: V.self)
  }
}

@inline(__always)
private func load<V: SIMD>(_ p: UnsafePointer<Float>, as: V.Type) -> V where V.Scalar == Float {
  UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

/// 4 × 16 tile, `SIMD8` accumulators, A broadcast from scalars (best with AVX).
enum Broadcast4x16: MicroKernel {
  static var mr: Int { 4 }
  static var nr: Int { 16 }
  static var splat: Int { 1 }
  static var mc: Int { 96 }

  @_optimize(speed)
  static func tile(
    kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float
  ) {
    var c00 = F8(), c01 = F8(), c10 = F8(), c11 = F8()
    var c20 = F8(), c21 = F8(), c30 = F8(), c31 = F8()
    var a = a
    var b = b
    for _ in 0..<kc {
      let b0 = load(b, as: F8.self)
      let b1 = load(b + 8, as: F8.self)
      var s = F8(repeating: a[0])
      c00 += s * b0
      c01 += s * b1
      s = F8(repeating: a[1])
      c10 += s * b0
      c11 += s * b1
      s = F8(repeating: a[2])
      c20 += s * b0
      c21 += s * b1
      s = F8(repeating: a[3])
      c30 += s * b0
      c31 += s * b1
      a += 4
      b += 16
    }
    merge(c00, into: c, beta: beta)
    merge(c01, into: c + 8, beta: beta)
    merge(c10, into: c + ldc, beta: beta)
    merge(c11, into: c + ldc + 8, beta: beta)
    merge(c20, into: c + 2 * ldc, beta: beta)
    merge(c21, into: c + 2 * ldc + 8, beta: beta)
    merge(c30, into: c + 3 * ldc, beta: beta)
    merge(c31, into: c + 3 * ldc + 8, beta: beta)
  }
}

/// 6 × 16 tile in AVX2 with fused multiply-add (the C kernel of `CPollenGemm`).
enum AVX2FMA6x16: MicroKernel {
  static var mr: Int { 6 }
  static var nr: Int { 16 }
  static var splat: Int { 1 }
  static var mc: Int { 96 }

  @inline(__always)
  static func tile(
    kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float
  ) {
    pollen_gemm_tile_6x16_avx2(kc, a, b, c, ldc, beta)
  }
}

/// 6 × 8 tile, `SIMD4` accumulators, A packed splatted (best with SSE2 or NEON).
enum Splat6x8: MicroKernel {
  static var mr: Int { 6 }
  static var nr: Int { 8 }
  static var splat: Int { 4 }
  static var mc: Int { 48 }

  @_optimize(speed)
  static func tile(
    kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float
  ) {
    var c00 = F4(), c01 = F4(), c10 = F4(), c11 = F4(), c20 = F4(), c21 = F4()
    var c30 = F4(), c31 = F4(), c40 = F4(), c41 = F4(), c50 = F4(), c51 = F4()
    var a = a
    var b = b
    for _ in 0..<kc {
      let b0 = load(b, as: F4.self)
      let b1 = load(b + 4, as: F4.self)
      var s = load(a, as: F4.self)
      c00 += s * b0
      c01 += s * b1
      s = load(a + 4, as: F4.self)
      c10 += s * b0
      c11 += s * b1
      s = load(a + 8, as: F4.self)
      c20 += s * b0
      c21 += s * b1
      s = load(a + 12, as: F4.self)
      c30 += s * b0
      c31 += s * b1
      s = load(a + 16, as: F4.self)
      c40 += s * b0
      c41 += s * b1
      s = load(a + 20, as: F4.self)
      c50 += s * b0
      c51 += s * b1
      a += 24
      b += 8
    }
    merge(c00, into: c, beta: beta)
    merge(c01, into: c + 4, beta: beta)
    merge(c10, into: c + ldc, beta: beta)
    merge(c11, into: c + ldc + 4, beta: beta)
    merge(c20, into: c + 2 * ldc, beta: beta)
    merge(c21, into: c + 2 * ldc + 4, beta: beta)
    merge(c30, into: c + 3 * ldc, beta: beta)
    merge(c31, into: c + 3 * ldc + 4, beta: beta)
    merge(c40, into: c + 4 * ldc, beta: beta)
    merge(c41, into: c + 4 * ldc + 4, beta: beta)
    merge(c50, into: c + 5 * ldc, beta: beta)
    merge(c51, into: c + 5 * ldc + 4, beta: beta)
  }
}

/// One GEMM problem, row-major: `C = alpha · op(A) · op(B) + beta · C`.
struct GemmProblem {
  var transposeA: Bool, transposeB: Bool
  var m: Int, n: Int, k: Int
  var alpha: Float
  var a: UnsafePointer<Float>, lda: Int
  var b: UnsafePointer<Float>, ldb: Int
  var beta: Float
  var c: UnsafeMutablePointer<Float>, ldc: Int

  /// The rows `rows` of C (and of op(A)) as a problem of their own.
  func rows(_ rows: Range<Int>) -> GemmProblem {
    var p = self
    p.m = rows.count
    p.a = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
    p.c = c + rows.lowerBound * ldc
    return p
  }

  /// The columns `cols` of C (and of op(B)) as a problem of their own.
  func columns(_ cols: Range<Int>) -> GemmProblem {
    var p = self
    p.n = cols.count
    p.b = transposeB ? b + cols.lowerBound * ldb : b + cols.lowerBound
    p.c = c + cols.lowerBound
    return p
  }
}

/// The cache blocking of the Goto/BLIS algorithm: a `kc × nc` block of B is packed once (kept in
/// L3), an `mc × kc` block of A is packed per row block (kept in L2), and the micro-kernel
/// streams one `kc × nr` panel of B from L1.
enum Blocking {
  static let kc = 256
  static let nc = 4096
}

extension GemmProblem {
  /// Runs the problem on the calling thread with micro-kernel `K`.
  @_optimize(speed)
  func runBlocked<K: MicroKernel>(_: K.Type) {
    let kcMax = min(Blocking.kc, k)
    let ncMax = min(Blocking.nc, n)
    let mcMax = min(K.mc, m)
    let bCount = kcMax * (ncMax + K.nr - 1) / K.nr * K.nr
    let aCount = kcMax * (mcMax + K.mr - 1) / K.mr * K.mr * K.splat
    // One 64-byte aligned allocation: packed B, packed A, then an edge tile.
    let aOffset = (bCount + 15) / 16 * 16
    let edgeOffset = aOffset + (aCount + 15) / 16 * 16
    let total = edgeOffset + K.mr * K.nr
    let workspace = UnsafeMutableRawPointer.allocate(byteCount: total * 4, alignment: 64)
      .bindMemory(to: Float.self, capacity: total)
    defer { workspace.deallocate() }
    let bPack = workspace
    let aPack = workspace + aOffset
    let edge = workspace + edgeOffset

    for j0 in stride(from: 0, to: n, by: Blocking.nc) {
      let nc = min(Blocking.nc, n - j0)
      for p0 in stride(from: 0, to: k, by: Blocking.kc) {
        let kc = min(Blocking.kc, k - p0)
        packB(K.self, into: bPack, rows: p0, kc: kc, cols: j0, nc: nc)
        let blockBeta: Float = p0 == 0 ? beta : 1
        for i0 in stride(from: 0, to: m, by: K.mc) {
          let mc = min(K.mc, m - i0)
          packA(K.self, into: aPack, rows: i0, mc: mc, cols: p0, kc: kc)
          for jr in stride(from: 0, to: nc, by: K.nr) {
            let cols = min(K.nr, nc - jr)
            let bPanel = UnsafePointer(bPack + jr * kc)
            for ir in stride(from: 0, to: mc, by: K.mr) {
              let rows = min(K.mr, mc - ir)
              let aPanel = UnsafePointer(aPack + ir * kc * K.splat)
              let cTile = c + (i0 + ir) * ldc + j0 + jr
              if rows == K.mr && cols == K.nr {
                K.tile(kc: kc, a: aPanel, b: bPanel, c: cTile, ldc: ldc, beta: blockBeta)
              } else {
                K.tile(kc: kc, a: aPanel, b: bPanel, c: edge, ldc: K.nr, beta: 0)
                for r in 0..<rows {
                  for j in 0..<cols {
                    let v = edge[r * K.nr + j]
                    let old = cTile[r * ldc + j]
                    cTile[r * ldc + j] = blockBeta == 0 ? v : (blockBeta == 1 ? old + v : blockBeta * old + v)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Packs `op(B)[rows ..< rows+kc, cols ..< cols+nc]` as panels of `nr` columns, each panel
  /// `kc` rows of `nr` contiguous values, zero-padded past `nc`.
  @inline(__always)
  private func packB<K: MicroKernel>(
    _: K.Type, into dst: UnsafeMutablePointer<Float>, rows p0: Int, kc: Int, cols j0: Int, nc: Int
  ) {
    let nr = K.nr
    for jp in stride(from: 0, to: nc, by: nr) {
      let width = min(nr, nc - jp)
      let panel = dst + jp * kc
      if !transposeB {
        var src = b + p0 * ldb + j0 + jp
        for p in 0..<kc {
          let row = panel + p * nr
          if width == nr {
            row.update(from: src, count: nr)
          } else {
            row.update(from: src, count: width)
            (row + width).update(repeating: 0, count: nr - width)
          }
          src += ldb
        }
      } else {
        for j in 0..<nr {
          if j < width {
            let src = b + (j0 + jp + j) * ldb + p0
            for p in 0..<kc { panel[p * nr + j] = src[p] }
          } else {
            for p in 0..<kc { panel[p * nr + j] = 0 }
          }
        }
      }
    }
  }

  /// Packs `alpha · op(A)[rows ..< rows+mc, cols ..< cols+kc]` as panels of `mr` rows, each
  /// panel `kc` columns of `mr` values (each repeated `splat` times), zero-padded past `mc`.
  @inline(__always)
  private func packA<K: MicroKernel>(
    _: K.Type, into dst: UnsafeMutablePointer<Float>, rows i0: Int, mc: Int, cols p0: Int, kc: Int
  ) {
    let mr = K.mr
    let splat = K.splat
    for ip in stride(from: 0, to: mc, by: mr) {
      let height = min(mr, mc - ip)
      let panel = dst + ip * kc * splat
      for r in 0..<mr {
        let i = i0 + ip + r
        if r >= height {
          for p in 0..<kc { store(0, panel + (p * mr + r) * splat, splat: splat) }
        } else if !transposeA {
          let src = a + i * lda + p0
          for p in 0..<kc { store(alpha * src[p], panel + (p * mr + r) * splat, splat: splat) }
        } else {
          let src = a + p0 * lda + i
          for p in 0..<kc { store(alpha * src[p * lda], panel + (p * mr + r) * splat, splat: splat) }
        }
      }
    }
  }

  @inline(__always)
  private func store(_ v: Float, _ p: UnsafeMutablePointer<Float>, splat: Int) {
    if splat == 4 {
      UnsafeMutableRawPointer(p).storeBytes(of: SIMD4(repeating: v), as: SIMD4<Float>.self)
    } else {
      for s in 0..<splat { p[s] = v }
    }
  }

  /// Row-times-matrix loops with no SIMD types: the fastest code an unoptimised (`-Onone`)
  /// build makes, where generic SIMD operations become function calls.
  func runScalar() {
    if transposeB && !transposeA {
      // Both operands run along k in memory: dot products.
      var i = 0
      while i < m {
        var j = 0
        while j < n {
          var ap = a + i * lda
          var bp = b + j * ldb
          let end = ap + k
          var acc: Float = 0
          while ap < end {
            acc += ap.pointee * bp.pointee
            ap += 1
            bp += 1
          }
          let cp = c + i * ldc + j
          cp.pointee = alpha * acc + (beta == 0 ? 0 : beta * cp.pointee)
          j += 1
        }
        i += 1
      }
      return
    }
    // Otherwise C's rows accumulate scaled rows (or columns) of B.
    scaleC()
    var i = 0
    while i < m {
      let cRow = c + i * ldc
      var p = 0
      while p < k {
        let x = alpha * (transposeA ? a[p * lda + i] : a[i * lda + p])
        var bp = transposeB ? b + p : b + p * ldb
        let step = transposeB ? ldb : 1
        var cp = cRow
        let end = cRow + n
        while cp < end {
          cp.pointee += x * bp.pointee
          cp += 1
          bp += step
        }
        p += 1
      }
      i += 1
    }
  }

  /// The reference triple loop (for tests and as a baseline in benchmarks).
  func runNaive() {
    for i in 0..<m {
      for j in 0..<n {
        var acc: Float = 0
        for p in 0..<k {
          let x = transposeA ? a[p * lda + i] : a[i * lda + p]
          let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
          acc += x * y
        }
        let old = c[i * ldc + j]
        c[i * ldc + j] = alpha * acc + (beta == 0 ? 0 : beta * old)
      }
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Convolutions of probability vectors for the PLD accountant: scipy's `signal.fftconvolve`
/// and dp-accounting's `common.self_convolve` (`pld/common.py`), over a radix-2 FFT.
enum Convolution {
  /// Below this many entries in the shorter input, ``linear(_:_:)`` convolves directly.
  static let directThreshold = 64

  /// The full linear convolution of `a` and `b` (length a.count + b.count − 1), as
  /// `signal.fftconvolve(a, b)`; directly when one input is short, by FFT otherwise.
  static func linear(_ a: [Double], _ b: [Double]) -> [Double] {
    guard !a.isEmpty, !b.isEmpty else { return [] }
    let outputCount = a.count + b.count - 1
    if min(a.count, b.count) <= directThreshold {
      let (long, short) = a.count >= b.count ? (a, b) : (b, a)
      var out = [Double](repeating: 0, count: outputCount)
      out.withUnsafeMutableBufferPointer { o in
        long.withUnsafeBufferPointer { l in
          short.withUnsafeBufferPointer { s in
            for j in 0..<s.count {
              let w = s[j]
              if w == 0 { continue }
              for i in 0..<l.count { o[i + j] += l[i] * w }
            }
          }
        }
      }
      return out
    }
    let n = max(nextPowerOfTwo(outputCount), 2)
    let plan = FFTPlan(count: n)
    var (ar, ai) = plan.realForward(a)
    let (br, bi) = plan.realForward(b)
    for k in ar.indices {
      let (r, i) = (ar[k] * br[k] - ai[k] * bi[k], ar[k] * bi[k] + ai[k] * br[k])
      ar[k] = r
      ai[k] = i
    }
    return Array(plan.realInverse(re: ar, im: ai)[..<outputCount])
  }

  /// `common.compute_self_convolve_bounds`: Chernoff bounds on the support of `input` convolved
  /// `times` times with itself outside which at most `tailMassTruncation` of the mass lies.
  static func selfConvolveBounds(_ input: [Double], times: Int, tailMassTruncation: Double) -> (
    lower: Int, upper: Int
  ) {
    var upper = (input.count - 1) * times
    var lower = 0
    if tailMassTruncation == 0 { return (lower, upper) }
    let orders = (Array(-20..<0) + Array(1..<21)).map { Double($0) / Double(input.count) }
    for order in orders {
      // log Σ p_i e^{i·order} (scipy's logsumexp with weights), shifted by the largest exponent.
      let top = order > 0 ? Double(input.count - 1) * order : 0
      let sum = input.withUnsafeBufferPointer { p in
        var sum = 0.0
        for i in 0..<p.count where p[i] != 0 { sum += p[i] * exp(Double(i) * order - top) }
        return sum
      }
      let logMGF = log(sum) + top
      let bound = (Double(times) * logMGF + log(2 / tailMassTruncation)) / order
      guard bound.isFinite else { continue }
      if order > 0 { upper = min(upper, Int(bound.rounded(.up))) }
      if order < 0 { lower = max(lower, Int(bound.rounded(.down))) }
    }
    return (lower, upper)
  }

  /// `common.self_convolve`: `input` convolved `times` times with itself, truncated to the
  /// Chernoff bounds, through one FFT raised to the power `times` (the transform wraps around;
  /// what wraps is outside the bounds, at most `tailMassTruncation`). Returns the index of the
  /// first entry kept and the entries.
  static func selfConvolve(_ input: [Double], times: Int, tailMassTruncation: Double) -> (
    lower: Int, probs: [Double]
  ) {
    let (lower, upper) = selfConvolveBounds(input, times: times, tailMassTruncation: tailMassTruncation)
    let outputCount = upper - lower + 1
    let n = max(nextPowerOfTwo(max(outputCount, input.count)), 2)
    let plan = FFTPlan(count: n)
    var (re, im) = plan.realForward(input)
    re.withUnsafeMutableBufferPointer { re in
      im.withUnsafeMutableBufferPointer { im in
        for k in 0..<re.count { (re[k], im[k]) = power(re[k], im[k], times) }
      }
    }
    let output = plan.realInverse(re: re, im: im)
    return (lower, rotated(output, count: outputCount, from: ((lower % n) + n) % n))
  }

  /// (re + i·im)^n by repeated squaring.
  @inline(__always) static func power(_ re: Double, _ im: Double, _ n: Int) -> (Double, Double) {
    var rr = 1.0
    var ri = 0.0
    var br = re
    var bi = im
    var e = n
    while e > 0 {
      if e & 1 == 1 {
        let t = rr * br - ri * bi
        ri = rr * bi + ri * br
        rr = t
      }
      e >>= 1
      if e > 0 {
        let t = br * br - bi * bi
        bi = 2 * br * bi
        br = t
      }
    }
    return (rr, ri)
  }

  /// `count` entries of `values` starting at `start`, wrapping around (`np.roll`).
  static func rotated(_ values: [Double], count: Int, from start: Int) -> [Double] {
    [Double](unsafeUninitializedCapacity: count) { out, initialized in
      values.withUnsafeBufferPointer { v in
        let n = v.count
        var j = start
        for i in 0..<count {
          out[i] = v[j]
          j += 1
          if j == n { j = 0 }
        }
      }
      initialized = count
    }
  }

  static func nextPowerOfTwo(_ n: Int) -> Int {
    var p = 1
    while p < n { p <<= 1 }
    return p
  }

}

/// An in-place iterative radix-2 complex FFT of one power-of-two size (twiddles computed
/// directly, not by recurrence, for accuracy), and the real transforms built on it.
struct FFTPlan {
  let count: Int
  /// cos and sin of 2πk/count, k < count/2.
  private let cosines: [Double]
  private let sines: [Double]

  init(count: Int) {
    precondition(count > 0 && count & (count - 1) == 0, "FFT size must be a power of two")
    self.count = count
    let half = max(count / 2, 1)
    let n = Double(count)
    cosines = [Double](unsafeUninitializedCapacity: half) { c, initialized in
      for k in 0..<half { c[k] = cos(2 * Double.pi * Double(k) / n) }
      initialized = half
    }
    sines = [Double](unsafeUninitializedCapacity: half) { s, initialized in
      for k in 0..<half { s[k] = sin(2 * Double.pi * Double(k) / n) }
      initialized = half
    }
  }

  /// X_k = Σ x_j e^{∓2πijk/n} (− forward, + inverse; the inverse is not divided by n).
  func transform(_ re: inout [Double], _ im: inout [Double], inverse: Bool) {
    precondition(re.count == count && im.count == count)
    re.withUnsafeMutableBufferPointer { r in
      im.withUnsafeMutableBufferPointer { i in
        transform(r.baseAddress!, i.baseAddress!, inverse: inverse, twiddleStride: 1)
      }
    }
  }

  /// The transform of size `count / twiddleStride` using every `twiddleStride`-th twiddle.
  private func transform(
    _ xr: UnsafeMutablePointer<Double>, _ xi: UnsafeMutablePointer<Double>, inverse: Bool, twiddleStride: Int
  ) {
    let n = count / twiddleStride
    if n == 1 { return }
    let sign = inverse ? 1.0 : -1.0
    var j = 0
    for i in 1..<n {
      var bit = n >> 1
      while j & bit != 0 {
        j ^= bit
        bit >>= 1
      }
      j |= bit
      if i < j {
        let (tr, ti) = (xr[i], xi[i])
        xr[i] = xr[j]
        xi[i] = xi[j]
        xr[j] = tr
        xi[j] = ti
      }
    }
    cosines.withUnsafeBufferPointer { cb in
      sines.withUnsafeBufferPointer { sb in
        let c = cb.baseAddress!
        let s = sb.baseAddress!
        var length = 2
        while length <= n {
          let half = length >> 1
          let stride = (n / length) * twiddleStride
          var start = 0
          while start < n {
            var a = start
            var t = 0
            while a < start + half {
              let wr = c[t]
              let wi = sign * s[t]
              let b = a + half
              let br = xr[b]
              let bi = xi[b]
              let vr = br * wr - bi * wi
              let vi = br * wi + bi * wr
              let ar = xr[a]
              let ai = xi[a]
              xr[b] = ar - vr
              xi[b] = ai - vi
              xr[a] = ar + vr
              xi[a] = ai + vi
              a += 1
              t += stride
            }
            start += length
          }
          length <<= 1
        }
      }
    }
  }

  /// The spectrum X_0 … X_{n/2} of a real sequence of length n = ``count`` (≥ 2), through a
  /// complex transform of size n/2 (the even entries as real parts, the odd as imaginary).
  func realForward(_ x: [Double]) -> (re: [Double], im: [Double]) {
    precondition(x.count <= count && count >= 2)
    let m = count / 2
    var zr = [Double](repeating: 0, count: m)
    var zi = [Double](repeating: 0, count: m)
    var outR = [Double](repeating: 0, count: m + 1)
    var outI = [Double](repeating: 0, count: m + 1)
    x.withUnsafeBufferPointer { x in
      for k in 0..<m {
        if 2 * k < x.count { zr[k] = x[2 * k] }
        if 2 * k + 1 < x.count { zi[k] = x[2 * k + 1] }
      }
    }
    zr.withUnsafeMutableBufferPointer { zrb in
      zi.withUnsafeMutableBufferPointer { zib in
        let zr = zrb.baseAddress!
        let zi = zib.baseAddress!
        transform(zr, zi, inverse: false, twiddleStride: 2)
        outR.withUnsafeMutableBufferPointer { orb in
          outI.withUnsafeMutableBufferPointer { oib in
            cosines.withUnsafeBufferPointer { cb in
              sines.withUnsafeBufferPointer { sb in
                for k in 0...m {
                  let k1 = k == m ? 0 : k
                  let k2 = k == 0 ? 0 : m - k
                  // E = (Z_k + conj Z_{m−k}) / 2, O = (Z_k − conj Z_{m−k}) / 2i.
                  let er = 0.5 * (zr[k1] + zr[k2])
                  let ei = 0.5 * (zi[k1] - zi[k2])
                  let or = 0.5 * (zi[k1] + zi[k2])
                  let oi = -0.5 * (zr[k1] - zr[k2])
                  // W^k = e^{−2πik/n}; W^m = −1.
                  let (wr, wi) = k == m ? (-1.0, 0.0) : (cb[k], -sb[k])
                  orb[k] = er + (or * wr - oi * wi)
                  oib[k] = ei + (or * wi + oi * wr)
                }
              }
            }
          }
        }
      }
    }
    return (outR, outI)
  }

  /// The real sequence of length n = ``count`` whose spectrum is X_0 … X_{n/2} (Hermitian),
  /// divided by n (so `realInverse(realForward(x)) == x`).
  func realInverse(re xr: [Double], im xi: [Double]) -> [Double] {
    let m = count / 2
    precondition(xr.count == m + 1 && xi.count == m + 1)
    var zr = [Double](repeating: 0, count: m)
    var zi = [Double](repeating: 0, count: m)
    zr.withUnsafeMutableBufferPointer { zrb in
      zi.withUnsafeMutableBufferPointer { zib in
        let zr = zrb.baseAddress!
        let zi = zib.baseAddress!
        cosines.withUnsafeBufferPointer { cb in
          sines.withUnsafeBufferPointer { sb in
            for k in 0..<m {
              // E = (X_k + conj X_{m−k}) / 2, O = (X_k − conj X_{m−k}) · W^{−k} / 2, Z = E + iO.
              let er = 0.5 * (xr[k] + xr[m - k])
              let ei = 0.5 * (xi[k] - xi[m - k])
              let dr = 0.5 * (xr[k] - xr[m - k])
              let di = 0.5 * (xi[k] + xi[m - k])
              let (wr, wi) = (cb[k], sb[k])
              let or = dr * wr - di * wi
              let oi = dr * wi + di * wr
              zr[k] = er - oi
              zi[k] = ei + or
            }
          }
        }
        transform(zr, zi, inverse: true, twiddleStride: 2)
      }
    }
    let scale = 1 / Double(m)
    return [Double](unsafeUninitializedCapacity: count) { out, initialized in
      for k in 0..<m {
        out[2 * k] = zr[k] * scale
        out[2 * k + 1] = zi[k] * scale
      }
      initialized = count
    }
  }
}

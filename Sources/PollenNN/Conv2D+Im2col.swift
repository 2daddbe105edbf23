/// The geometry of a stride-1 convolution over a batch: input `[n, c, h, w]`, kernel
/// `kh × kw`, padding `padTop`/`padLeft` (the far sides take what remains), output `ho × wo`.
struct ConvGeometry: Equatable {
  var n: Int, c: Int, h: Int, w: Int
  var kh: Int, kw: Int
  var padTop: Int, padLeft: Int
  var ho: Int, wo: Int

  /// Values in one row of the im2col matrix (`c · kh · kw`).
  var patch: Int { c * kh * kw }
  /// Rows of the im2col matrix (`n · ho · wo`): one per output position.
  var positions: Int { n * ho * wo }

  /// The im2col matrix `[n·ho·wo, c·kh·kw]`: row `(b, oh, ow)` holds the input patch that
  /// output position sees, column order `(channel, ky, kx)` — the layout of a flattened
  /// `[out, in, kh, kw]` weight, so the convolution is `columns · Wᵀ`.
  func im2col(_ x: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>) {
    var dst = cols
    for b in 0..<n {
      for oh in 0..<ho {
        for ow in 0..<wo {
          let left = ow - padLeft
          let inside = left >= 0 && left + kw <= w
          for ch in 0..<c {
            let plane = x + (b * c + ch) * h * w
            for ky in 0..<kh {
              let ih = oh + ky - padTop
              if ih < 0 || ih >= h {
                dst.update(repeating: 0, count: kw)
              } else if inside {
                dst.update(from: plane + ih * w + left, count: kw)
              } else {
                let row = plane + ih * w
                for kx in 0..<kw {
                  let iw = left + kx
                  dst[kx] = iw >= 0 && iw < w ? row[iw] : 0
                }
              }
              dst += kw
            }
          }
        }
      }
    }
  }

  /// The adjoint of ``im2col(_:into:)``: adds each column value back to the input element it
  /// was copied from (`dx` must start zeroed).
  func col2im(_ cols: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
    var src = cols
    for b in 0..<n {
      for oh in 0..<ho {
        for ow in 0..<wo {
          let left = ow - padLeft
          for ch in 0..<c {
            let plane = dx + (b * c + ch) * h * w
            for ky in 0..<kh {
              let ih = oh + ky - padTop
              if ih >= 0 && ih < h {
                let row = plane + ih * w
                for kx in 0..<kw {
                  let iw = left + kx
                  if iw >= 0 && iw < w { row[iw] += src[kx] }
                }
              }
              src += kw
            }
          }
        }
      }
    }
  }
}

import PollenCore

extension Aggregation {
  /// The L2 norm of all arrays flattened into one vector (Flower's `get_norm`).
  public static func l2Norm(_ arrays: [NDArray]) -> Double {
    arrays.reduce(0) { $0 + Kernels.squaredNorm($1) }.squareRoot()
  }

  /// Flower's `compute_clip_model_update`: the update `model − reference` scaled by
  /// `min(1, clippingNorm / ‖update‖)` (FlatClip, McMahan et al. 2018), added back to `reference`.
  ///
  /// - Throws: `PollenError` `.shapeMismatch` when the layers differ.
  public static func clipUpdate(_ model: [NDArray], reference: [NDArray], clippingNorm: Double) throws
    -> [NDArray]
  {
    try clippedUpdate(model, reference: reference, clippingNorm: clippingNorm).arrays
  }

  /// ``clipUpdate(_:reference:clippingNorm:)`` with the update's L2 norm and the scale applied
  /// (`scale < 1`: the update was clipped — Flower's `norm_bit`). A zero update has norm 0 and
  /// scale 1 (Flower divides by the zero norm and relies on numpy's `inf`). As in Flower, an
  /// unclipped update is still recomputed as `reference + (model − reference)`.
  ///
  /// - Throws: `PollenError` `.shapeMismatch` when the layers differ.
  public static func clippedUpdate(_ model: [NDArray], reference: [NDArray], clippingNorm: Double) throws
    -> (arrays: [NDArray], norm: Double, scale: Double)
  {
    try checkSameShapes([model, reference], "update clipping")
    var norm2 = 0.0
    for (a, b) in zip(model, reference) { norm2 += Kernels.squaredDistance(a, b) }
    let norm = norm2.squareRoot()
    let scale = norm > 0 ? min(1, clippingNorm / norm) : 1
    let arrays = zip(model, reference).map { a, r in
      let round = a.dtype.roundingFunction
      let out = zip(a.doubles(), r.doubles()).map { x, y in y + round((x - y) * scale) }
      return NDArray(doubles: out, dtype: a.dtype, shape: a.shape)
    }
    return (arrays, norm, scale)
  }

  /// Adds independent Gaussian noise `N(0, stdDev²)` to every element, cast to each array's dtype
  /// (Flower's `add_gaussian_noise_inplace`). Deterministic for a seeded generator.
  public static func addGaussianNoise(
    _ arrays: [NDArray], stdDev: Double, using rng: inout SeededRandom
  ) -> [NDArray] {
    guard stdDev != 0 else { return arrays }
    return arrays.map { a in
      let round = a.dtype.roundingFunction
      let out = a.doubles().map { $0 + round(stdDev * rng.nextGaussian()) }
      return NDArray(doubles: out, dtype: a.dtype, shape: a.shape)
    }
  }
}

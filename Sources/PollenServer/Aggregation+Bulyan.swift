import PollenCore

extension Aggregation {
  /// The sizes of Bulyan's two steps for `n` clients of which `f` may be Byzantine:
  /// `theta = n − 2f` models selected by repeated Krum, then per coordinate the mean of the
  /// `beta = theta − 2f` values closest to their median.
  ///
  /// - Throws: `PollenError` `.invalidArgument` when `n < 4f + 3` (the method's assumption, as
  ///   in Flower).
  public static func bulyanSizes(clients n: Int, numMalicious f: Int) throws -> (theta: Int, beta: Int) {
    guard f >= 0, n >= 4 * f + 3 else {
      throw PollenError(
        .invalidArgument,
        "Bulyan needs at least 4 × num_malicious_clients + 3 = \(4 * f + 3) clients, got \(n)")
    }
    return (n - 2 * f, n - 4 * f)
  }

  /// Bulyan's first step: the indices of the `theta` models chosen one at a time by Krum, each
  /// removed before the next choice (Flower's loop in `aggregate_bulyan`), in choice order.
  public static func bulyanSelection(_ models: [[NDArray]], numMalicious f: Int) throws -> [Int] {
    let (theta, _) = try bulyanSizes(clients: models.count, numMalicious: f)
    let distances = try squaredDistances(models)
    var remaining = Array(models.indices)
    var selected: [Int] = []
    for _ in 0..<theta {
      let scores = krumScores(distances: distances, numMalicious: f, among: remaining)
      let best = scores.indices.min { (scores[$0], $0) < (scores[$1], $1) }!
      selected.append(remaining.remove(at: best))
    }
    return selected
  }

  /// Flower's `aggregate_bulyan` with Krum as the first rule (El Mhamdi et al. 2018): select
  /// `theta` models by repeated Krum, then for each coordinate average the `beta` selected values
  /// closest to the selected models' median. Example counts are ignored.
  ///
  /// The median is rounded to the layer's dtype and distances compared in that dtype, as numpy
  /// does, so near-ties fall the same way.
  ///
  /// - Throws: `PollenError` `.invalidArgument` when there are fewer than `4f + 3` models,
  ///   `.shapeMismatch` when their layers differ.
  public static func bulyan(_ models: [[NDArray]], numMalicious f: Int) throws -> [NDArray] {
    let (_, beta) = try bulyanSizes(clients: models.count, numMalicious: f)
    let selected = try bulyanSelection(models, numMalicious: f).map { models[$0] }
    let rounding = selected[0].map(\.dtype.roundingFunction)
    return try coordinatewise(selected) { layer, column in
      let round = rounding[layer]
      column.sort(by: nanLast)
      let median = round(sortedMedian(UnsafeBufferPointer(column)))
      // The beta values closest to the median form a window of the sorted column.
      var lo = 0
      var hi = column.count - 1
      while hi - lo + 1 > beta {
        if round(abs(column[lo] - median)) > round(abs(column[hi] - median)) { lo += 1 } else { hi -= 1 }
      }
      var sum = 0.0
      for i in lo...hi { sum += column[i] }
      return sum / Double(beta)
    }
  }
}

extension DType {
  /// Rounds a double to the nearest float32 for float32 arrays (identity otherwise), to compare
  /// and carry values as numpy holds them.
  var roundingFunction: @Sendable (Double) -> Double {
    if self == .float32 { return { (x: Double) -> Double in Double(Float(x)) } }
    return { (x: Double) -> Double in x }
  }
}

import PollenCore

extension Aggregation {
  /// The matrix of squared Euclidean distances between the models, each flattened into one
  /// vector (Flower's `_compute_distances`).
  public static func squaredDistances(_ models: [[NDArray]]) throws -> [[Double]] {
    try checkSameShapes(models, "Krum distances")
    let n = models.count
    var d = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
      for j in (i + 1)..<n {
        var s = 0.0
        for (a, b) in zip(models[i], models[j]) { s += Kernels.squaredDistance(a, b) }
        d[i][j] = s
        d[j][i] = s
      }
    }
    return d
  }

  /// Krum scores (Blanchard et al. 2017) from a distance matrix: for each model, the sum of its
  /// squared distances to its `max(1, n − f − 2)` nearest other models, as in Flower.
  ///
  /// - Parameters:
  ///   - distances: squared distances, e.g. from ``squaredDistances(_:)``.
  ///   - numMalicious: `f`, the number of Byzantine clients to tolerate.
  ///   - among: the models to consider (default: all); scores are in this order.
  public static func krumScores(distances: [[Double]], numMalicious: Int, among: [Int]? = nil) -> [Double] {
    let ids = among ?? Array(distances.indices)
    let closest = max(1, ids.count - numMalicious - 2)
    return ids.map { i in
      // Sorted distances to every candidate; the first is the model itself (0), skipped as numpy's
      // argsort(distance)[1:] does.
      let sorted = ids.map { distances[i][$0] }.sorted()
      return sorted.dropFirst().prefix(closest).reduce(0, +)
    }
  }

  /// The indices of the models Krum keeps: the one with the lowest score when `toKeep` is 0,
  /// else the `toKeep` lowest (MultiKrum), lowest first. Ties go to the lower index.
  public static func krumSelection(_ models: [[NDArray]], numMalicious: Int, toKeep: Int) throws -> [Int] {
    let scores = krumScores(distances: try squaredDistances(models), numMalicious: numMalicious)
    let order = scores.indices.sorted { (scores[$0], $0) < (scores[$1], $1) }
    return Array(order.prefix(toKeep > 0 ? min(toKeep, order.count) : 1))
  }

  /// Flower's `aggregate_krum`: with `toKeep == 0` the model with the lowest Krum score (returned
  /// unchanged), else MultiKrum — the example-weighted average of the `toKeep` lowest-scoring
  /// models.
  ///
  /// Flower takes the last `toKeep` of the reversed score order, so `toKeep > n` keeps fewer than
  /// `n` models there; Pollen keeps all `n`.
  public static func krum(
    _ results: [(arrays: [NDArray], numExamples: Int)], numMalicious: Int, toKeep: Int
  ) throws -> [NDArray] {
    let chosen = try krumSelection(results.map(\.arrays), numMalicious: numMalicious, toKeep: toKeep)
    if toKeep <= 0 { return results[chosen[0]].arrays }
    return weightedAverage(chosen.map { results[$0] })
  }
}

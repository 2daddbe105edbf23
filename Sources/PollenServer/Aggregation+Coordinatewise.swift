import PollenCore

extension Aggregation {
  /// Flower's `aggregate_median`: each coordinate's median over the clients (numpy's median: the
  /// mean of the two middle values for an even count; NaN if any value is NaN). Example counts
  /// are ignored. Computed in double precision, returned in each layer's dtype.
  ///
  /// - Throws: `PollenError` `.invalidArgument` without models, `.shapeMismatch` when the
  ///   models' layers differ.
  public static func median(_ models: [[NDArray]]) throws -> [NDArray] {
    try coordinatewise(models) { _, column in
      if column.contains(where: \.isNaN) { return .nan }
      column.sort()
      return sortedMedian(UnsafeBufferPointer(column))
    }
  }

  /// Flower's `aggregate_trimmed_avg` (scipy's `trim_mean` along the clients): for each
  /// coordinate, drop the `Int(beta × n)` lowest and highest of the `n` client values and average
  /// the rest. Example counts are ignored.
  ///
  /// - Parameters:
  ///   - models: each client's layers.
  ///   - beta: fraction cut from each tail, in `[0, 0.5)`.
  /// - Throws: `PollenError` `.invalidArgument` for `beta` out of range or without models,
  ///   `.shapeMismatch` when the models' layers differ.
  public static func trimmedMean(_ models: [[NDArray]], beta: Double) throws -> [NDArray] {
    guard beta >= 0 && beta < 0.5 else {
      throw PollenError(.invalidArgument, "trimmed mean: beta must be in [0, 0.5), got \(beta)")
    }
    let cut = trimmedMeanCut(count: models.count, beta: beta)
    return try coordinatewise(models) { _, column in
      column.sort(by: nanLast)
      var sum = 0.0
      for i in cut.lower..<cut.upper { sum += column[i] }
      return sum / Double(cut.upper - cut.lower)
    }
  }

  /// The slice of sorted client values a trimmed mean keeps: `Int(beta × count)..<count − that`.
  public static func trimmedMeanCut(count: Int, beta: Double) -> (lower: Int, upper: Int) {
    let lower = Int(beta * Double(count))
    return (lower, count - lower)
  }

  /// Checks that all models have the same number of layers with the same element counts.
  static func checkSameShapes(_ models: [[NDArray]], _ what: String) throws {
    guard let first = models.first else {
      throw PollenError(.invalidArgument, "\(what): no client results to aggregate")
    }
    for (c, m) in models.enumerated() {
      guard m.count == first.count else {
        throw PollenError(
          .shapeMismatch, "\(what): client \(c) has \(m.count) layers, expected \(first.count)")
      }
      for (l, (a, b)) in zip(m, first).enumerated() where a.count != b.count {
        throw PollenError(
          .shapeMismatch, "\(what): client \(c) layer \(l) has \(a.count) elements, expected \(b.count)")
      }
    }
  }

  /// Applies `reduce(layer, column)` to each coordinate's values over the models (a scratch column
  /// it may reorder); the results form arrays shaped and typed like the first model's layers.
  static func coordinatewise(
    _ models: [[NDArray]], _ reduce: (Int, inout UnsafeMutableBufferPointer<Double>) -> Double
  ) throws -> [NDArray] {
    try checkSameShapes(models, "coordinate-wise aggregation")
    let k = models.count
    return models[0].indices.map { l in
      let n = models[0][l].count
      // Client-major: values[c * n + j] is client c's coordinate j.
      var values = [Double]()
      values.reserveCapacity(k * n)
      for m in models { values.append(contentsOf: m[l].doubles()) }
      var out = [Double](repeating: 0, count: n)
      var scratch = [Double](repeating: 0, count: k)
      values.withUnsafeBufferPointer { v in
        scratch.withUnsafeMutableBufferPointer { column in
          for j in 0..<n {
            for c in 0..<k { column[c] = v[c * n + j] }
            out[j] = reduce(l, &column)
          }
        }
      }
      return NDArray(doubles: out, dtype: models[0][l].dtype, shape: models[0][l].shape)
    }
  }

  /// The median of sorted values (the mean of the two middle ones for an even count).
  static func sortedMedian(_ sorted: UnsafeBufferPointer<Double>) -> Double {
    let n = sorted.count
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
  }

  /// An ordering that puts NaN last, as numpy's sort and partition do.
  @inline(__always) static func nanLast(_ a: Double, _ b: Double) -> Bool {
    a < b || (b.isNaN && !a.isNaN)
  }
}

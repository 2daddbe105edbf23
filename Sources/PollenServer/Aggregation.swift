import PollenCore

/// The aggregation maths, as pure functions over decoded arrays. Strategies call these.
public enum Aggregation {
  /// Flower's `weighted_loss_avg`: Σ nᵢ·lossᵢ / Σ nᵢ.
  public static func weightedLossAverage(_ results: [(numExamples: Int, loss: Double)]) -> Double {
    let total = results.reduce(0) { $0 + $1.numExamples }
    let weighted = results.reduce(0.0) { $0 + Double($1.numExamples) * $1.loss }
    return weighted / Double(total)
  }

  /// Flower's `aggregate`: the average of the clients' arrays weighted by their example counts.
  /// Computed in double precision, returned in each layer's dtype.
  public static func weightedAverage(_ results: [(arrays: [NDArray], numExamples: Int)]) -> [NDArray] {
    var sum = WeightedSum()
    for r in results { sum.add(r.arrays, weight: Double(r.numExamples)) }
    return sum.average()
  }
}

/// A running weighted sum of parameter lists, for aggregating results as they arrive.
///
/// Memory is one double-precision copy of the model, however many results are added.
public struct WeightedSum: Sendable {
  private var sums: [[Double]] = []
  private var shapes: [[Int]] = []
  private var dtypes: [DType] = []
  /// The total weight added so far.
  public private(set) var totalWeight: Double = 0
  /// The number of parameter lists added so far.
  public private(set) var count = 0

  public init() {}

  /// Adds `arrays` with `weight`. All lists must have the same shapes (the server validates).
  public mutating func add(_ arrays: [NDArray], weight: Double) {
    if count == 0 {
      shapes = arrays.map(\.shape)
      dtypes = arrays.map(\.dtype)
      sums = arrays.map { [Double](repeating: 0, count: $0.count) }
    }
    precondition(arrays.count == sums.count, "parameter lists differ in length")
    for (i, a) in arrays.enumerated() {
      precondition(a.count == sums[i].count, "layer \(i) differs in size")
      sums[i].withUnsafeMutableBufferPointer { acc in
        Kernels.addScaled(a, weight: weight, into: acc)
      }
    }
    totalWeight += weight
    count += 1
  }

  /// Σ wᵢ·xᵢ / Σ wᵢ, in the dtypes of the first list added. Empty if nothing was added.
  public func average() -> [NDArray] {
    guard count > 0 else { return [] }
    let inv = 1.0 / totalWeight
    return sums.indices.map { i in
      Kernels.makeArray(sums[i], scale: inv, dtype: dtypes[i], shape: shapes[i])
    }
  }
}

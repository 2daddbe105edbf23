import Foundation
import PollenCore

/// IID content with unequal sizes: partition `i` gets a share of the (shuffled) examples
/// proportional to a weight, like Flower Datasets' `LinearPartitioner` and
/// `ExponentialPartitioner`. Uses every example.
public struct SizeSkewPartitioner: Partitioner, Hashable {
  /// How partition sizes grow with the partition index.
  public enum Growth: Sendable, Hashable {
    /// Partition `i` is proportional to `i + 1`.
    case linear
    /// Partition `i` is proportional to `ratio^(i / (n - 1))`: sizes grow geometrically and the
    /// largest is about `ratio` times the smallest, whatever the number of partitions.
    case exponential(ratio: Double)
  }

  /// The size profile.
  public var growth: Growth
  /// The smallest partition size accepted; smaller ones make ``partition(_:numPartitions:seed:)``
  /// throw.
  public var minPartitionSize: Int

  /// - Precondition: an exponential `ratio` is finite and at least 1.
  public init(_ growth: Growth, minPartitionSize: Int = 1) {
    if case .exponential(let ratio) = growth {
      precondition(ratio >= 1 && ratio.isFinite, "the exponential size ratio must be finite and >= 1")
    }
    self.growth = growth
    self.minPartitionSize = minPartitionSize
  }

  /// The partition sizes for `count` examples (summing to `count`).
  public func sizes(count: Int, numPartitions: Int) -> [Int] {
    let weights: [Double]
    switch growth {
    case .linear:
      weights = (0..<numPartitions).map { Double($0 + 1) }
    case .exponential(let ratio):
      let last = Double(Swift.max(numPartitions - 1, 1))
      weights = (0..<numPartitions).map { Foundation.pow(ratio, Double($0) / last) }
    }
    return apportion(count, weights: weights)
  }

  public func partition(_ dataset: Dataset, numPartitions: Int, seed: UInt64) throws -> [[Int]] {
    try validatePartitionCount(numPartitions, count: dataset.count, "size skew")
    let sizes = sizes(count: dataset.count, numPartitions: numPartitions)
    if let smallest = sizes.min(), smallest < minPartitionSize {
      throw PollenError(
        .invalidArgument,
        "size skew: the smallest of \(numPartitions) partitions of \(dataset.count) examples would hold "
          + "\(smallest), below the minimum \(minPartitionSize); use fewer partitions or a smaller ratio")
    }
    var rng = SeededRandom(seed: seed)
    var indices = Array(0..<dataset.count)
    rng.shuffle(&indices)
    return cut(indices, sizes: sizes)
  }
}

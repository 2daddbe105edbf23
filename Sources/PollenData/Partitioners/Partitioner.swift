import PollenCore

/// Splits a data set among federated clients: `numPartitions` lists of example indices, one per
/// client, reproducibly for a seed.
///
/// Contract of every partitioner: each index appears in at most one partition, and the result
/// has exactly `numPartitions` lists (partition `i` is client `i`'s data). Whether every index
/// is used (coverage) is documented by each partitioner; most use all of them. Partitions are
/// in shuffled order unless documented otherwise.
public protocol Partitioner: Sendable {
  /// The index lists of `numPartitions` partitions of `dataset`.
  /// - Throws: `PollenError` `.invalidArgument` if the request cannot be met (more partitions
  ///   than examples, a minimum size that cannot be reached, …), with the reason.
  func partition(_ dataset: Dataset, numPartitions: Int, seed: UInt64) throws -> [[Int]]
}

extension Partitioner {
  /// The partitions of `dataset` as data sets (``Dataset/subset(_:)`` of each index list).
  public func partitionDatasets(_ dataset: Dataset, numPartitions: Int, seed: UInt64) throws -> [Dataset] {
    try partition(dataset, numPartitions: numPartitions, seed: seed).map { dataset.subset($0) }
  }
}

/// Checks `1 <= numPartitions <= count`; `name` starts the error message.
func validatePartitionCount(_ numPartitions: Int, count: Int, _ name: String) throws {
  guard numPartitions >= 1 else {
    throw PollenError(.invalidArgument, "\(name): numPartitions must be at least 1, got \(numPartitions)")
  }
  guard numPartitions <= count else {
    throw PollenError(
      .invalidArgument,
      "\(name): \(numPartitions) partitions requested but the data set has only \(count) examples")
  }
}

/// Splits `total` into parts proportional to `weights` that sum to `total` exactly (largest
/// remainder method; ties go to the lower index).
func apportion(_ total: Int, weights: [Double]) -> [Int] {
  let sum = weights.reduce(0, +)
  precondition(sum > 0, "weights must have a positive sum")
  let quotas = weights.map { Double(total) * $0 / sum }
  var parts = quotas.map { Int($0.rounded(.down)) }
  let remainders = quotas.enumerated().map { ($0.offset, $0.element - $0.element.rounded(.down)) }
  let missing = total - parts.reduce(0, +)
  let order = remainders.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
  for k in 0..<missing { parts[order[k % order.count].0] += 1 }
  return parts
}

/// Cuts `indices` into consecutive chunks of `sizes` (which must not sum to more than
/// `indices.count`).
func cut(_ indices: [Int], sizes: [Int]) -> [[Int]] {
  var start = 0
  return sizes.map { size in
    defer { start += size }
    return Array(indices[start..<(start + size)])
  }
}

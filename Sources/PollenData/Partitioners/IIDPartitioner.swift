import PollenCore

/// Independent and identically distributed partitions: the examples are shuffled and dealt
/// into `numPartitions` parts whose sizes differ by at most one. Uses every example.
public struct IIDPartitioner: Partitioner, Hashable {
  public init() {}

  public func partition(_ dataset: Dataset, numPartitions: Int, seed: UInt64) throws -> [[Int]] {
    try validatePartitionCount(numPartitions, count: dataset.count, "iid")
    var rng = SeededRandom(seed: seed)
    var indices = Array(0..<dataset.count)
    rng.shuffle(&indices)
    let base = dataset.count / numPartitions
    let extra = dataset.count % numPartitions
    return cut(indices, sizes: (0..<numPartitions).map { base + ($0 < extra ? 1 : 0) })
  }
}

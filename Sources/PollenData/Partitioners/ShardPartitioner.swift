import PollenCore

/// Pathological non-IID shards (McMahan et al. 2017, "Communication-Efficient Learning of Deep
/// Networks from Decentralized Data"): the examples, sorted by label, are cut into
/// `numPartitions × shardsPerPartition` shards and every partition gets `shardsPerPartition`
/// shards at random, so it holds at most `shardsPerPartition` classes.
///
/// Unlike cutting the sorted list blindly, every shard here holds a single class: each class is
/// cut into a number of shards proportional to its size (highest-averages apportionment, so
/// shard sizes stay as even as the class sizes allow, and every class gets a shard when there
/// are at least as many shards as classes). Uses every example of the classes that get a shard
/// (all classes, unless there are fewer shards than classes).
public struct ShardPartitioner: Partitioner, Hashable {
  /// Shards each partition receives (2 in McMahan et al.).
  public var shardsPerPartition: Int

  /// - Precondition: `shardsPerPartition >= 1`.
  public init(shardsPerPartition: Int) {
    precondition(shardsPerPartition >= 1, "shardsPerPartition must be at least 1")
    self.shardsPerPartition = shardsPerPartition
  }

  public func partition(_ dataset: Dataset, numPartitions: Int, seed: UInt64) throws -> [[Int]] {
    try validatePartitionCount(numPartitions, count: dataset.count, "shards")
    let (shardCount, overflow) = numPartitions.multipliedReportingOverflow(by: shardsPerPartition)
    guard !overflow, shardCount <= dataset.count else {
      throw PollenError(
        .invalidArgument,
        "shards: \(numPartitions) partitions × \(shardsPerPartition) shards is more shards than the "
          + "\(dataset.count) examples")
    }
    var rng = SeededRandom(seed: seed)
    let classes = dataset.indicesByClass().filter { !$0.isEmpty }
    var shards: [[Int]] = []
    shards.reserveCapacity(shardCount)
    for (members, count) in zip(classes, shardsPerClass(classes.map(\.count), total: shardCount)) {
      var members = members
      rng.shuffle(&members)
      let base = members.count / Swift.max(count, 1)
      let extra = members.count % Swift.max(count, 1)
      shards += cut(members, sizes: count == 0 ? [] : (0..<count).map { base + ($0 < extra ? 1 : 0) })
    }
    var order = Array(shards.indices)
    rng.shuffle(&order)
    return (0..<numPartitions).map { p in
      var indices = order[(p * shardsPerPartition)..<((p + 1) * shardsPerPartition)].flatMap { shards[$0] }
      rng.shuffle(&indices)
      return indices
    }
  }

  /// Shards per class summing to `total`: one for each class first (while shards last), then
  /// each further shard to the class whose shards are currently largest, never more shards
  /// than examples.
  private func shardsPerClass(_ sizes: [Int], total: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: sizes.count)
    var remaining = total
    if total < sizes.count {
      // Fewer shards than classes: the largest classes get one shard each.
      let largest = sizes.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
      for c in largest.prefix(total) { counts[c] = 1 }
      return counts
    }
    for c in counts.indices { counts[c] = 1 }
    remaining -= sizes.count
    while remaining > 0 {
      var best = -1
      var bestQuotient = 0.0
      for c in sizes.indices where counts[c] < sizes[c] {
        let quotient = Double(sizes[c]) / Double(counts[c])
        if quotient > bestQuotient {
          bestQuotient = quotient
          best = c
        }
      }
      counts[best] += 1
      remaining -= 1
    }
    return counts
  }
}

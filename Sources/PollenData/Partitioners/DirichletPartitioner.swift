import PollenCore

/// Label skew by a Dirichlet distribution (Yurochkin et al. 2019; Hsu et al. 2019), like Flower
/// Datasets' `DirichletPartitioner`: for every class, proportions `p ~ Dir(α, …, α)` over the
/// partitions decide how that class's (shuffled) examples are divided. Small α (0.1) gives
/// partitions dominated by a few classes; large α (100) approaches IID. Uses every example.
///
/// With ``selfBalancing`` (Flower's default), a partition that already holds more than the
/// average `count / numPartitions` examples gets nothing from the following classes. If some
/// partition ends up with fewer than ``minPartitionSize`` examples, the whole draw is repeated,
/// at most ``maxAttempts`` times, then ``partition(_:numPartitions:seed:)`` throws — or, with
/// ``topUp``, repairs the last draw: random examples move from the largest partitions to the
/// small ones until every partition has ``minPartitionSize`` (Flower always throws; `pollen
/// simulate` tops up so that small data sets with few classes work with its defaults).
public struct DirichletPartitioner: Partitioner, Hashable {
  /// The concentration α (> 0).
  public var alpha: Double
  /// The fewest examples a partition may have (Flower's `min_partition_size`; default 10).
  public var minPartitionSize: Int
  /// Whether full partitions stop receiving examples (Flower's `self_balancing`).
  public var selfBalancing: Bool
  /// How many draws to try before giving up (Flower tries about 10).
  public var maxAttempts: Int
  /// Whether to repair the last draw instead of throwing when no draw meets the minimum size.
  public var topUp: Bool

  /// - Precondition: `alpha` is positive and finite, `maxAttempts >= 1`.
  public init(
    alpha: Double, minPartitionSize: Int = 10, selfBalancing: Bool = true, maxAttempts: Int = 10,
    topUp: Bool = false
  ) {
    precondition(alpha > 0 && alpha.isFinite, "the Dirichlet concentration must be positive and finite")
    precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
    self.alpha = alpha
    self.minPartitionSize = minPartitionSize
    self.selfBalancing = selfBalancing
    self.maxAttempts = maxAttempts
    self.topUp = topUp
  }

  public func partition(_ dataset: Dataset, numPartitions: Int, seed: UInt64) throws -> [[Int]] {
    try validatePartitionCount(numPartitions, count: dataset.count, "dirichlet")
    var rng = SeededRandom(seed: seed)
    let classes = dataset.indicesByClass().filter { !$0.isEmpty }
    let average = Double(dataset.count) / Double(numPartitions)
    let concentration = [Double](repeating: alpha, count: numPartitions)
    var smallest = 0
    var last: [[Int]] = []
    for _ in 0..<maxAttempts {
      var parts = [[Int]](repeating: [], count: numPartitions)
      for var members in classes {
        rng.shuffle(&members)
        var proportions = rng.nextDirichlet(concentration)
        if selfBalancing { balance(&proportions, parts: parts, average: average) }
        var cumulative = 0.0
        var start = 0
        for p in 0..<numPartitions {
          cumulative += proportions[p]
          let end =
            p == numPartitions - 1
            ? members.count
            : Swift.min(Swift.max(Int(cumulative * Double(members.count)), start), members.count)
          parts[p].append(contentsOf: members[start..<end])
          start = end
        }
      }
      smallest = parts.lazy.map(\.count).min() ?? 0
      last = parts
      if smallest >= minPartitionSize {
        for p in parts.indices { rng.shuffle(&parts[p]) }
        return parts
      }
    }
    if topUp && dataset.count >= numPartitions * minPartitionSize {
      return Self.toppedUp(last, minimum: minPartitionSize, rng: &rng)
    }
    throw PollenError(
      .invalidArgument,
      "dirichlet(alpha=\(alpha)): no draw in \(maxAttempts) attempts gave all \(numPartitions) partitions "
        + "at least \(minPartitionSize) examples (the smallest had \(smallest)); raise alpha, lower the "
        + "minimum partition size or use fewer partitions")
  }

  /// `parts` with random examples moved from the largest partitions to those under `minimum`.
  /// - Precondition: the partitions hold at least `parts.count * minimum` examples.
  static func toppedUp(_ parts: [[Int]], minimum: Int, rng: inout SeededRandom) -> [[Int]] {
    var parts = parts
    for p in parts.indices { rng.shuffle(&parts[p]) }
    for p in parts.indices where parts[p].count < minimum {
      while parts[p].count < minimum {
        let donor = parts.indices.max { parts[$0].count < parts[$1].count }!
        parts[p].append(parts[donor].removeLast())
      }
    }
    for p in parts.indices { rng.shuffle(&parts[p]) }
    return parts
  }

  /// Zeroes the proportions of partitions holding more than `average` examples, renormalising
  /// the rest (uniform over them if all their proportions underflowed to 0).
  private func balance(_ proportions: inout [Double], parts: [[Int]], average: Double) {
    var total = 0.0
    for p in proportions.indices {
      if Double(parts[p].count) > average { proportions[p] = 0 } else { total += proportions[p] }
    }
    if total > 0 {
      for p in proportions.indices { proportions[p] /= total }
      return
    }
    let eligible = parts.indices.filter { Double(parts[$0].count) <= average }
    for p in proportions.indices { proportions[p] = 0 }
    for p in eligible { proportions[p] = 1 / Double(eligible.count) }
  }
}

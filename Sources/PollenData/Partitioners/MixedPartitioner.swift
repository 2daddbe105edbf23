import PollenCore

/// The Flower paper's mixed split ("{50% i.i.d., 50% non-i.i.d.}"; Beutel et al., "Flower: a
/// friendly federated learning framework", §3.4): every partition holds
/// `⌊count / numPartitions⌋` examples, of which a fraction ``iidFraction`` is drawn from the
/// whole data set and the rest from a single class.
///
/// Each partition's class is drawn so that classes serve partitions in proportion to their size
/// (the class at a random permutation of evenly spaced quantiles of the labels), which lets
/// every class supply its partitions; if a class still runs short, the shortfall is filled from
/// the shared pool. Uses `numPartitions × ⌊count / numPartitions⌋` examples (the remainder,
/// fewer than `numPartitions`, is left out).
public struct MixedPartitioner: Partitioner, Hashable {
  /// The share of each partition drawn IID, in 0…1 (1 is IID, 0 one class per partition).
  public var iidFraction: Double

  /// - Precondition: `0 <= iidFraction <= 1`.
  public init(iidFraction: Double) {
    precondition(iidFraction >= 0 && iidFraction <= 1, "iidFraction must be in 0...1")
    self.iidFraction = iidFraction
  }

  /// The single class of each partition's non-IID part (before any shortfall), for `dataset`.
  public func dominantClasses(_ dataset: Dataset, numPartitions: Int, seed: UInt64) -> [Int] {
    var rng = SeededRandom(seed: seed)
    return dominantClasses(dataset.classCounts(), numPartitions: numPartitions, rng: &rng)
  }

  public func partition(_ dataset: Dataset, numPartitions: Int, seed: UInt64) throws -> [[Int]] {
    try validatePartitionCount(numPartitions, count: dataset.count, "mixed")
    var rng = SeededRandom(seed: seed)
    let size = dataset.count / numPartitions
    let iidSize = Int((iidFraction * Double(size)).rounded())
    let dominant = dominantClasses(dataset.classCounts(), numPartitions: numPartitions, rng: &rng)
    var pools = dataset.indicesByClass()
    for c in pools.indices { rng.shuffle(&pools[c]) }

    var parts = [[Int]](repeating: [], count: numPartitions)
    var iidNeeds = [Int](repeating: iidSize, count: numPartitions)
    for p in 0..<numPartitions {
      let c = dominant[p]
      let take = Swift.min(size - iidSize, pools[c].count)
      parts[p] = Array(pools[c].suffix(take))
      pools[c].removeLast(take)
      iidNeeds[p] += size - iidSize - take
    }
    var shared = pools.flatMap { $0 }
    rng.shuffle(&shared)
    var next = 0
    for p in 0..<numPartitions {
      parts[p] += shared[next..<(next + iidNeeds[p])]
      next += iidNeeds[p]
      rng.shuffle(&parts[p])
    }
    return parts
  }

  private func dominantClasses(_ counts: [Int], numPartitions: Int, rng: inout SeededRandom) -> [Int] {
    let total = counts.reduce(0, +)
    var classes: [Int] = []
    classes.reserveCapacity(numPartitions)
    var c = 0
    var upper = counts.first ?? 0  // labels sorted: class c covers positions ..< upper
    for p in 0..<numPartitions {
      let position = (2 * p + 1) * total / (2 * numPartitions)
      while position >= upper && c + 1 < counts.count {
        c += 1
        upper += counts[c]
      }
      classes.append(c)
    }
    rng.shuffle(&classes)
    return classes
  }
}

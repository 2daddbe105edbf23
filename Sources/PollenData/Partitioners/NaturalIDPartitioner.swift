import PollenCore

/// Natural partitions: one per distinct key (a user, device or hospital id given for every
/// example, e.g. a CSV id column), like Flower Datasets' `NaturalIdPartitioner`. Partition `i`
/// holds the examples whose key is ``keys``[i], in data set order. Uses every example.
///
/// The number of partitions is fixed by the data: ``partition(_:numPartitions:seed:)`` throws
/// unless `numPartitions` equals ``keys``.count (the seed is not used).
public struct NaturalIDPartitioner: Partitioner, Hashable {
  /// The distinct keys in partition order: sorted, numerically for integer keys.
  public let keys: [String]
  private let groups: [[Int]]

  /// Groups examples by string key (e.g. a CSV id column). Partitions are in sorted key
  /// order: numerically if every key is an integer, else as strings.
  public init(keys exampleKeys: [String]) {
    let grouped = Self.group(exampleKeys)
    let numeric = grouped.keys.map { Int($0) }
    let order =
      numeric.allSatisfy { $0 != nil }
      ? grouped.keys.indices.sorted { (numeric[$0]!, grouped.keys[$0]) < (numeric[$1]!, grouped.keys[$1]) }
      : grouped.keys.indices.sorted { grouped.keys[$0] < grouped.keys[$1] }
    self.keys = order.map { grouped.keys[$0] }
    self.groups = order.map { grouped.groups[$0] }
  }

  /// Groups examples by integer key; partitions are in ascending key order.
  public init(keys exampleKeys: [Int]) {
    let grouped = Self.group(exampleKeys)
    let order = grouped.keys.indices.sorted { grouped.keys[$0] < grouped.keys[$1] }
    self.keys = order.map { String(grouped.keys[$0]) }
    self.groups = order.map { grouped.groups[$0] }
  }

  /// The number of partitions (distinct keys).
  public var partitionCount: Int { keys.count }

  public func partition(_ dataset: Dataset, numPartitions: Int, seed: UInt64) throws -> [[Int]] {
    let exampleCount = groups.reduce(0) { $0 + $1.count }
    guard exampleCount == dataset.count else {
      throw PollenError(
        .invalidArgument, "natural id: \(exampleCount) keys given for \(dataset.count) examples")
    }
    guard numPartitions == keys.count else {
      throw PollenError(
        .invalidArgument,
        "natural id: the data has \(keys.count) distinct ids, so \(keys.count) partitions, "
          + "not \(numPartitions)")
    }
    return groups
  }

  /// The distinct keys in order of first appearance, and the indices of each.
  private static func group<Key: Hashable>(_ exampleKeys: [Key]) -> (keys: [Key], groups: [[Int]]) {
    var groupOf: [Key: Int] = [:]
    var keys: [Key] = []
    var groups: [[Int]] = []
    for (i, key) in exampleKeys.enumerated() {
      if let g = groupOf[key] {
        groups[g].append(i)
      } else {
        groupOf[key] = groups.count
        keys.append(key)
        groups.append([i])
      }
    }
    return (keys, groups)
  }
}

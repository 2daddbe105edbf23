import Foundation
import PollenData
import Testing

@Suite("Shard, mixed and natural-id partitioners")
struct ShardMixedNaturalTests {
  let digits = try! EmbeddedDatasets.digits()

  @Test("shards: at most k classes per partition, disjoint, full coverage, seeded")
  func shards() throws {
    for k in [1, 2, 3] {
      let parts = try ShardPartitioner(shardsPerPartition: k).partition(digits, numPartitions: 50, seed: 9)
      #expect(parts.count == 50)
      #expect(checkDisjoint(parts, count: digits.count) == (true, digits.count))
      #expect(parts.allSatisfy { Set($0.map { digits.labels[$0] }).count <= k })
      let sizes = parts.map(\.count)
      #expect(sizes.min()! >= sizes.max()! / 2)
      #expect(
        try ShardPartitioner(shardsPerPartition: k).partition(digits, numPartitions: 50, seed: 9) == parts)
    }
    // With 2 shards each, many partitions really do get 2 classes.
    let two = try ShardPartitioner(shardsPerPartition: 2).partition(digits, numPartitions: 50, seed: 9)
    #expect(two.filter { Set($0.map { digits.labels[$0] }).count == 2 }.count > 25)
    let message = pollenErrorMessage {
      _ = try ShardPartitioner(shardsPerPartition: 4).partition(digits, numPartitions: 1000, seed: 1)
    }
    #expect(message?.contains("more shards than the 1797 examples") == true)
  }

  @Test("shards on unbalanced classes keep every class and single-class shards")
  func unbalancedShards() throws {
    let data = labelledDataset(perClass: [500, 30, 7, 63])
    let parts = try ShardPartitioner(shardsPerPartition: 2).partition(data, numPartitions: 10, seed: 2)
    #expect(checkDisjoint(parts, count: data.count) == (true, data.count))
    #expect(parts.allSatisfy { Set($0.map { data.labels[$0] }).count <= 2 })
  }

  @Test("mixed, iid fraction 0: one class per partition when classes can supply it")
  func mixedPure() throws {
    let balanced = labelledDataset(perClass: [100, 100, 100, 100])
    let parts = try MixedPartitioner(iidFraction: 0).partition(balanced, numPartitions: 8, seed: 4)
    #expect(parts.allSatisfy { $0.count == 50 })
    #expect(checkDisjoint(parts, count: balanced.count) == (true, 400))
    #expect(parts.allSatisfy { Set($0.map { balanced.labels[$0] }).count == 1 })

    // Digits: classes serve partitions in proportion to their size (2 of 20 each); a class
    // of 174 cannot fill 2 × 89, so the few missing examples come from the shared pool.
    let mixed = MixedPartitioner(iidFraction: 0)
    let pure = try mixed.partition(digits, numPartitions: 20, seed: 4)
    let dominant = mixed.dominantClasses(digits, numPartitions: 20, seed: 4)
    #expect(digits.classCounts(dominant).allSatisfy { $0 == 2 })
    #expect(pure.allSatisfy { $0.count == 1797 / 20 })
    for (part, c) in zip(pure, dominant) {
      #expect(digits.classCounts(part)[c] >= 89 - 4)
    }
  }

  @Test("mixed, iid fraction 0.5: half of each partition from its class, the rest IID")
  func mixedHalf() throws {
    let half = MixedPartitioner(iidFraction: 0.5)
    let parts = try half.partition(digits, numPartitions: 20, seed: 4)
    let dominant = half.dominantClasses(digits, numPartitions: 20, seed: 4)
    #expect(checkDisjoint(parts, count: digits.count) == (true, 20 * (1797 / 20)))
    for (part, c) in zip(parts, dominant) {
      // 89 examples: 45 IID (round(44.5)) and 44 of class c, plus class c's IID share.
      let share = Double(digits.classCounts(part)[c]) / Double(part.count)
      #expect(share >= 44.0 / 89 && share < 0.75)
      #expect(labelEntropy(digits, part) > 1.0)
    }
    #expect(try half.partition(digits, numPartitions: 20, seed: 4) == parts)
  }

  @Test("mixed on unbalanced classes still gives every partition its size")
  func mixedUnbalanced() throws {
    let data = labelledDataset(perClass: [90, 5, 5])
    let parts = try MixedPartitioner(iidFraction: 0.2).partition(data, numPartitions: 10, seed: 1)
    #expect(parts.allSatisfy { $0.count == 10 })
    #expect(checkDisjoint(parts, count: data.count) == (true, 100))
  }

  @Test("natural id: one partition per key in key order, integer keys numerically")
  func naturalID() throws {
    let data = labelledDataset(perClass: [3, 3])
    let byString = NaturalIDPartitioner(keys: ["b", "a", "b", "c", "a", "b"])
    #expect(byString.keys == ["a", "b", "c"])
    #expect(try byString.partition(data, numPartitions: 3, seed: 0) == [[1, 4], [0, 2, 5], [3]])
    let byNumber = NaturalIDPartitioner(keys: ["10", "9", "10", "2", "9", "9"])
    #expect(byNumber.keys == ["2", "9", "10"])
    let byInt = NaturalIDPartitioner(keys: [10, 9, 10, 2, 9, 9])
    #expect(byInt.keys == ["2", "9", "10"])
    #expect(try byInt.partition(data, numPartitions: 3, seed: 0) == [[3], [1, 4, 5], [0, 2]])
    let count = pollenErrorMessage { _ = try byInt.partition(data, numPartitions: 4, seed: 0) }
    #expect(count == "natural id: the data has 3 distinct ids, so 3 partitions, not 4")
    let keys = pollenErrorMessage { _ = try byInt.partition(digits, numPartitions: 3, seed: 0) }
    #expect(keys == "natural id: 6 keys given for 1797 examples")
  }
}

import Foundation
import PollenCore
import PollenData
import Testing

@Suite("IID, Dirichlet and size-skew partitioners")
struct PartitionerTests {
  let digits = try! EmbeddedDatasets.digits()

  @Test("IID: disjoint, covers everything, sizes differ by at most one, seeded")
  func iid() throws {
    let parts = try IIDPartitioner().partition(digits, numPartitions: 10, seed: 1)
    #expect(parts.count == 10)
    #expect(checkDisjoint(parts, count: digits.count) == (true, digits.count))
    let sizes = parts.map(\.count)
    #expect(sizes.max()! - sizes.min()! <= 1)
    #expect(try IIDPartitioner().partition(digits, numPartitions: 10, seed: 1) == parts)
    #expect(try IIDPartitioner().partition(digits, numPartitions: 10, seed: 2) != parts)
    let message = pollenErrorMessage {
      _ = try IIDPartitioner().partition(digits, numPartitions: 1798, seed: 1)
    }
    #expect(message == "iid: 1798 partitions requested but the data set has only 1797 examples")
  }

  @Test("Dirichlet: disjoint, full coverage, seeded, min partition size honoured")
  func dirichletContract() throws {
    let partitioner = DirichletPartitioner(alpha: 0.5, minPartitionSize: 40)
    let parts = try partitioner.partition(digits, numPartitions: 20, seed: 3)
    #expect(parts.count == 20)
    #expect(checkDisjoint(parts, count: digits.count) == (true, digits.count))
    #expect(parts.allSatisfy { $0.count >= 40 })
    #expect(try partitioner.partition(digits, numPartitions: 20, seed: 3) == parts)
    #expect(try partitioner.partition(digits, numPartitions: 20, seed: 4) != parts)
  }

  @Test("Dirichlet alpha = 0.1 skews labels far more than IID; alpha = 1000 is close to IID")
  func dirichletSkew() throws {
    func meanEntropy(_ parts: [[Int]]) -> Double {
      parts.reduce(0) { $0 + labelEntropy(digits, $1) } / Double(parts.count)
    }
    let iid = meanEntropy(try IIDPartitioner().partition(digits, numPartitions: 10, seed: 5))
    let skewed = meanEntropy(
      try DirichletPartitioner(alpha: 0.1, minPartitionSize: 1).partition(digits, numPartitions: 10, seed: 5))
    let flat = meanEntropy(
      try DirichletPartitioner(alpha: 1000).partition(digits, numPartitions: 10, seed: 5))
    #expect(iid > 2.2)  // log(10) ≈ 2.30
    #expect(skewed < 0.5 * iid)
    #expect(flat > 0.95 * iid)
  }

  @Test("Dirichlet with topUp repairs an impossible draw: every example once, every partition ≥ minimum")
  func dirichletTopsUp() throws {
    // Two classes among 100 partitions: Dir(0.5) leaves many partitions empty.
    let twoClasses = digits.subset(digits.labels.indices.filter { digits.labels[$0] < 2 })
    let plain = DirichletPartitioner(alpha: 0.5, minPartitionSize: 2)
    #expect(throws: PollenError.self) { try plain.partition(twoClasses, numPartitions: 100, seed: 1) }
    let repaired = DirichletPartitioner(alpha: 0.5, minPartitionSize: 2, topUp: true)
    let parts = try repaired.partition(twoClasses, numPartitions: 100, seed: 1)
    #expect(parts.count == 100)
    #expect(parts.allSatisfy { $0.count >= 2 })
    #expect(parts.flatMap { $0 }.sorted() == Array(0..<twoClasses.count))
    #expect(try repaired.partition(twoClasses, numPartitions: 100, seed: 1) == parts)
    // Still skewed: most partitions are dominated by one class.
    let dominated = parts.filter { part in
      let ones = part.filter { twoClasses.labels[$0] == 1 }.count
      return max(ones, part.count - ones) * 10 >= part.count * 7
    }
    #expect(dominated.count > 50, "\(dominated.count) of 100 dominated by one class")
    // Too few examples for the minimum: the clear error, even with topUp.
    #expect(throws: PollenError.self) {
      try DirichletPartitioner(alpha: 0.5, minPartitionSize: 10, topUp: true)
        .partition(twoClasses, numPartitions: 100, seed: 1)
    }
  }

  @Test("Dirichlet gives up after maxAttempts with a clear error")
  func dirichletGivesUp() {
    let message = pollenErrorMessage {
      _ = try DirichletPartitioner(alpha: 0.05, minPartitionSize: 150, maxAttempts: 3)
        .partition(digits, numPartitions: 12, seed: 1)
    }
    #expect(
      message?.hasPrefix("dirichlet(alpha=0.05): no draw in 3 attempts gave all 12 partitions at least 150")
        == true)
  }

  @Test("size skew: linear and exponential sizes, IID content, full coverage")
  func sizeSkew() throws {
    let linear = try SizeSkewPartitioner(.linear).partition(digits, numPartitions: 5, seed: 1)
    #expect(checkDisjoint(linear, count: digits.count) == (true, digits.count))
    // Sizes ∝ 1, 2, 3, 4, 5 of 1797 (1797 / 15 = 119.8).
    #expect(linear.map(\.count) == [120, 240, 359, 479, 599])
    let exponential = try SizeSkewPartitioner(.exponential(ratio: 100)).partition(
      digits, numPartitions: 10, seed: 1)
    let sizes = exponential.map(\.count)
    #expect(checkDisjoint(exponential, count: digits.count) == (true, digits.count))
    #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 < $1 })
    #expect(abs(Double(sizes.last!) / Double(sizes.first!) - 100) < 15)
    let message = pollenErrorMessage {
      _ = try SizeSkewPartitioner(.exponential(ratio: 1e6), minPartitionSize: 5).partition(
        digits, numPartitions: 10, seed: 1)
    }
    #expect(message?.contains("below the minimum 5") == true)
  }
}

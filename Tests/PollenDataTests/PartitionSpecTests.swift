import PollenData
import Testing

@Suite("PartitionSpec parsing")
struct PartitionSpecTests {
  @Test(
    "valid strings",
    arguments: [
      ("iid", PartitionSpec.iid),
      (" Dirichlet:0.5 ", .dirichlet(alpha: 0.5, minPartitionSize: 10)),
      ("dirichlet:0.1:0", .dirichlet(alpha: 0.1, minPartitionSize: 0)),
      ("shards:2", .shards(perPartition: 2)),
      ("mixed:0.3", .mixed(iidFraction: 0.3)),
      ("linear", .linear),
      ("exponential", .exponential(ratio: 10)),
      ("exponential:50", .exponential(ratio: 50)),
      ("natural", .natural),
    ])
  func parses(text: String, expected: PartitionSpec) throws {
    let spec = try PartitionSpec(parsing: text)
    #expect(spec == expected)
    #expect(try PartitionSpec(parsing: spec.description) == spec)
  }

  @Test(
    "invalid strings name the problem",
    arguments: [
      ("", "empty scheme"),
      ("random", "unknown scheme 'random'"),
      ("dirichlet", "'dirichlet' takes 1–2 argument(s), got 0"),
      ("dirichlet:0", "alpha '0' must be a number > 0"),
      ("dirichlet:abc", "alpha 'abc' must be a number > 0"),
      ("dirichlet:0.5:-1", "min partition size '-1' must be an integer ≥ 0"),
      ("shards:0", "shards per partition '0' must be an integer ≥ 1"),
      ("shards:1.5", "shards per partition '1.5' must be an integer ≥ 1"),
      ("mixed:1.5", "iid fraction '1.5' must be in 0...1"),
      ("iid:3", "'iid' takes 0 argument(s), got 1"),
      ("exponential:0.5", "ratio '0.5' must be a number ≥ 1"),
    ])
  func rejects(text: String, problem: String) {
    let message = pollenErrorMessage { _ = try PartitionSpec(parsing: text) }
    #expect(message == "partition '\(text)': \(problem); expected one of \(PartitionSpec.usage)")
  }

  @Test("makePartitioner builds the named partitioner; natural needs keys")
  func makesPartitioners() throws {
    let data = labelledDataset(perClass: [50, 50])
    let parts = try PartitionSpec(parsing: "shards:1").makePartitioner().partition(
      data, numPartitions: 4, seed: 1)
    #expect(parts.allSatisfy { Set($0.map { data.labels[$0] }).count == 1 })
    #expect(try PartitionSpec.iid.makePartitioner() is IIDPartitioner)
    let message = pollenErrorMessage { _ = try PartitionSpec.natural.makePartitioner() }
    #expect(message?.contains("needs an id per example") == true)
    let keys = (0..<100).map { String($0 % 3) }
    let natural = try PartitionSpec.natural.makePartitioner(keys: keys)
    #expect(try natural.partition(data, numPartitions: 3, seed: 0).map(\.count) == [34, 33, 33])
  }
}

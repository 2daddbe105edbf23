import PollenData
import Testing

@Suite("Scale")
struct PerformanceTests {
  @Test("digits partition into 1000 clients with every partitioner (times printed, not asserted)")
  func digitsIntoThousandClients() throws {
    let clock = ContinuousClock()
    var digits: Dataset?
    let load = clock.measure { digits = try? EmbeddedDatasets.digits() }
    let data = try #require(digits)
    var parts: [[Int]] = []
    let iid = try clock.measure { parts = try IIDPartitioner().partition(data, numPartitions: 1000, seed: 1) }
    #expect(parts.count == 1000)
    let dirichlet = try clock.measure {
      parts = try DirichletPartitioner(alpha: 0.5, minPartitionSize: 0).partition(
        data, numPartitions: 1000, seed: 1)
    }
    #expect(checkDisjoint(parts, count: data.count) == (true, data.count))
    let shards = try clock.measure {
      parts = try ShardPartitioner(shardsPerPartition: 1).partition(data, numPartitions: 1000, seed: 1)
    }
    #expect(parts.count == 1000)
    print("digits load \(load), iid \(iid), dirichlet \(dirichlet), shards \(shards) (1000 clients)")
  }
}

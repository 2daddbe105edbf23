import PollenCore
import PollenData

/// The clients' data: partitions of a centralised data set, or per-client synthetic data made
/// on demand (so a million clients cost nothing until sampled).
struct ClientPopulation: Sendable {
  let featureShape: [Int]
  let numClasses: Int
  let testSet: Dataset
  private let partitions: [(train: Dataset, test: Dataset)]
  private let synthetic: SyntheticFederated?
  private let clientTestFraction: Double
  private let seed: UInt64

  init(options o: SimulationJob.Options) throws {
    seed = o.seed
    clientTestFraction = o.clientTestFraction
    if case .synthetic(let alpha, let beta) = o.dataset {
      let s = SyntheticFederated(alpha: alpha, beta: beta, seed: o.seed)
      synthetic = s
      testSet = s.testSet(size: 2000, clients: 0..<min(o.clients, 100))
      featureShape = testSet.featureShape
      numClasses = testSet.numClasses
      partitions = []
      return
    }
    synthetic = nil
    let (pool, test) = try o.dataset.load(testFraction: o.testFraction, seed: o.seed)
    guard pool.count >= o.clients else {
      throw PollenError(
        .invalidArgument, "\(pool.count) training examples cannot be split among \(o.clients) clients")
    }
    testSet = test
    featureShape = pool.featureShape
    numClasses = pool.numClasses
    let partitioner = try o.partition.makePartitioner()
    let parts = try partitioner.partitionDatasets(pool, numPartitions: o.clients, seed: o.seed)
    partitions = parts.enumerated().map { i, d in
      Self.split(d, o.clientTestFraction, seed: o.seed &+ UInt64(i))
    }
  }

  /// Client `id`'s training and held-out data.
  func clientData(_ id: Int) -> (train: Dataset, test: Dataset) {
    if let synthetic {
      return Self.split(synthetic.clientData(clientID: id), clientTestFraction, seed: seed &+ UInt64(id))
    }
    return partitions[id]
  }

  /// A client's train/held-out split; a client too small to hold anything out evaluates on its
  /// training data, so that every sampled client can report.
  static func split(_ d: Dataset, _ testFraction: Double, seed: UInt64) -> (train: Dataset, test: Dataset) {
    let (train, test) = d.split(trainFraction: 1 - testFraction, seed: seed, stratified: false)
    return test.count == 0 ? (train, train) : (train, test)
  }
}

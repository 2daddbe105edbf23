import PollenData
import Testing

@Suite("Train/test splits and standardisation")
struct SplitTests {
  @Test("stratified split keeps class proportions, is disjoint and complete, and is seeded")
  func stratified() {
    let data = labelledDataset(perClass: [100, 40, 60])
    let (train, test) = data.splitIndices(trainFraction: 0.8, seed: 3)
    #expect(checkDisjoint([train, test], count: data.count) == (true, 200))
    #expect(data.classCounts(train) == [80, 32, 48])
    #expect(data.classCounts(test) == [20, 8, 12])
    #expect(data.splitIndices(trainFraction: 0.8, seed: 3) == (train, test))
    #expect(data.splitIndices(trainFraction: 0.8, seed: 4).train != train)
    // Shuffled, not grouped by class.
    #expect(train.prefix(20).contains { data.labels[$0] != data.labels[train[0]] })
  }

  @Test("shuffled split takes the rounded fraction; split returns the matching subsets")
  func shuffled() {
    let data = labelledDataset(perClass: [7, 3])
    let (train, test) = data.split(trainFraction: 0.75, seed: 1, stratified: false)
    #expect(train.count == 8)  // round(7.5)
    #expect(test.count == 2)
    // Features hold the example index: the two parts together are every example once.
    #expect(Set(train.features + test.features) == Set((0..<10).map { Float($0) }))
    #expect(zip(train.features, train.labels).allSatisfy { data.labels[Int($0.0)] == $0.1 })
    let (all, none) = data.split(trainFraction: 1, seed: 1)
    #expect(all.count == 10 && none.count == 0)
  }

  @Test("standardising with training statistics applies the same transform to test data")
  func statistics() {
    var train = Dataset(
      features: [0, 10, 2, 10, 4, 10], featureShape: [2], labels: [0, 1, 0], numClasses: 2)
    var test = Dataset(features: [6, 10], featureShape: [2], labels: [1], numClasses: 2)
    let stats = train.featureStatistics()
    #expect(stats.mean == [2, 10])
    #expect(abs(stats.std[0] - 1.6329932) < 1e-6)
    #expect(stats.std[1] == 0)
    train.standardize(using: stats)
    test.standardize(using: stats)
    #expect(abs(test.features[0] - 4 / 1.6329932) < 1e-5)
    #expect(test.features[1] == 0)  // constant feature: centred only
    #expect(abs(train.features[0] + 2 / 1.6329932) < 1e-5)
  }
}

import PollenCore

extension Dataset {
  /// Splits the examples into a training part and a held-out part, reproducibly for a seed.
  ///
  /// Stratified (the default): each class contributes `round(trainFraction · n_c)` of its
  /// `n_c` examples to the training part, so both parts keep the class proportions. Otherwise
  /// the examples are shuffled and the first `round(trainFraction · count)` go to training.
  /// Every example lands in exactly one part; both parts are in shuffled order.
  ///
  /// Use it for each client's train/held-out split and for a centralised test split.
  /// - Precondition: `0 <= trainFraction <= 1`.
  public func split(
    trainFraction: Double, seed: UInt64, stratified: Bool = true
  ) -> (train: Dataset, test: Dataset) {
    let (train, test) = splitIndices(trainFraction: trainFraction, seed: seed, stratified: stratified)
    return (subset(train), subset(test))
  }

  /// The index lists behind ``split(trainFraction:seed:stratified:)``.
  public func splitIndices(
    trainFraction: Double, seed: UInt64, stratified: Bool = true
  ) -> (train: [Int], test: [Int]) {
    precondition(
      trainFraction >= 0 && trainFraction <= 1, "trainFraction must be in 0...1, got \(trainFraction)")
    var rng = SeededRandom(seed: seed)
    var train: [Int] = []
    var test: [Int] = []
    let expectedTrain = Int((Double(count) * trainFraction).rounded())
    train.reserveCapacity(expectedTrain + numClasses)
    test.reserveCapacity(count - expectedTrain + numClasses)
    let groups = stratified ? indicesByClass() : [Array(0..<count)]
    for var group in groups {
      rng.shuffle(&group)
      let cut = Int((Double(group.count) * trainFraction).rounded())
      train.append(contentsOf: group[..<cut])
      test.append(contentsOf: group[cut...])
    }
    rng.shuffle(&train)
    rng.shuffle(&test)
    return (train, test)
  }

  /// The example indices of each class, `result[c]` ascending; labels outside
  /// `0..<numClasses` are ignored.
  public func indicesByClass() -> [[Int]] {
    var counts = [Int](repeating: 0, count: numClasses)
    for label in labels where label >= 0 && Int(label) < numClasses { counts[Int(label)] += 1 }
    var groups = counts.map { n -> [Int] in
      var group: [Int] = []
      group.reserveCapacity(n)
      return group
    }
    for (i, label) in labels.enumerated() where label >= 0 && Int(label) < numClasses {
      groups[Int(label)].append(i)
    }
    return groups
  }

  /// How many of the examples at `indices` (all examples if `nil`) fall in each class.
  public func classCounts(_ indices: [Int]? = nil) -> [Int] {
    var counts = [Int](repeating: 0, count: numClasses)
    if let indices {
      for i in indices { counts[Int(labels[i])] += 1 }
    } else {
      for label in labels { counts[Int(label)] += 1 }
    }
    return counts
  }
}

/// A labelled data set held in memory: `count` examples of `featureShape`, flattened row-major
/// into `features`, with integer class labels (or regression targets in `targets`).
public struct Dataset: Sendable {
  /// All features, example after example (`count * featureCount` values).
  public var features: [Float]
  /// The shape of one example, e.g. `[64]` or `[1, 28, 28]` (channels, height, width).
  public var featureShape: [Int]
  /// Class label of each example, in `0..<numClasses`.
  public var labels: [Int32]
  /// The number of classes.
  public var numClasses: Int

  /// A data set of `labels.count` examples.
  /// - Precondition: `features.count == labels.count * featureShape.reduce(1, *)`.
  public init(features: [Float], featureShape: [Int], labels: [Int32], numClasses: Int) {
    precondition(features.count == labels.count * featureShape.reduce(1, *), "features do not match labels")
    self.features = features
    self.featureShape = featureShape
    self.labels = labels
    self.numClasses = numClasses
  }

  /// The number of examples.
  public var count: Int { labels.count }
  /// Values per example.
  public var featureCount: Int { featureShape.reduce(1, *) }

  /// The examples at `indices`, in that order.
  public func subset(_ indices: [Int]) -> Dataset {
    let d = featureCount
    var f = [Float]()
    f.reserveCapacity(indices.count * d)
    for i in indices { f.append(contentsOf: features[(i * d)..<((i + 1) * d)]) }
    return Dataset(
      features: f, featureShape: featureShape, labels: indices.map { labels[$0] }, numClasses: numClasses)
  }
}

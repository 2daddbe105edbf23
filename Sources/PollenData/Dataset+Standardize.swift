import PollenCore

/// Per-feature mean and standard deviation, to standardise data (z-scores) consistently: fit on
/// the training part, apply the same statistics to the test part.
public struct FeatureStatistics: Sendable, Equatable {
  /// Mean of each feature.
  public var mean: [Float]
  /// Population standard deviation of each feature (as numpy's `std` and scikit-learn's
  /// `StandardScaler`); a constant feature has 0.
  public var std: [Float]

  public init(mean: [Float], std: [Float]) {
    precondition(mean.count == std.count, "mean and std must have one value per feature")
    self.mean = mean
    self.std = std
  }
}

extension Dataset {
  /// The mean and population standard deviation of every feature over all examples
  /// (accumulated in `Double`).
  public func featureStatistics() -> FeatureStatistics {
    let d = featureCount
    let n = Double(Swift.max(count, 1))
    var mean = [Double](repeating: 0, count: d)
    var squares = [Double](repeating: 0, count: d)
    features.withUnsafeBufferPointer { f in
      // Two passes (mean, then squared deviations): stable for features with a large offset.
      for row in 0..<count {
        for j in 0..<d { mean[j] += Double(f[row * d + j]) }
      }
      for j in 0..<d { mean[j] /= n }
      for row in 0..<count {
        for j in 0..<d {
          let delta = Double(f[row * d + j]) - mean[j]
          squares[j] += delta * delta
        }
      }
    }
    return FeatureStatistics(
      mean: mean.map { Float($0) }, std: squares.map { Float(($0 / n).squareRoot()) })
  }

  /// Replaces each feature `x` by `(x - mean) / std` with `statistics` (a feature whose std is
  /// 0 is only centred).
  /// - Precondition: `statistics` has one value per feature.
  public mutating func standardize(using statistics: FeatureStatistics) {
    let d = featureCount
    precondition(statistics.mean.count == d, "statistics are for \(statistics.mean.count) features, not \(d)")
    let scale = statistics.std.map { $0 > 0 ? 1 / $0 : 1 }
    let mean = statistics.mean
    let rows = count
    features.withUnsafeMutableBufferPointer { f in
      for row in 0..<rows {
        let base = row * d
        for j in 0..<d { f[base + j] = (f[base + j] - mean[j]) * scale[j] }
      }
    }
  }

  /// This data set standardised with its own statistics: every feature gets mean 0 and
  /// standard deviation 1 (constant features become 0).
  public func standardized() -> Dataset {
    var copy = self
    copy.standardize(using: featureStatistics())
    return copy
  }

  /// Multiplies every feature by `factor` (e.g. `1 / 255` for 8-bit pixels).
  public mutating func scaleFeatures(by factor: Float) {
    features.withUnsafeMutableBufferPointer { f in
      for i in f.indices { f[i] *= factor }
    }
  }
}

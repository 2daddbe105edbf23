import Foundation
import PollenData
import Testing

@Suite("Embedded data sets")
struct EmbeddedDatasetsTests {
  @Test("digits: 1797 × 64 in [0, 1], 10 classes all present")
  func digits() throws {
    let digits = try EmbeddedDatasets.digits()
    #expect(digits.count == 1797)
    #expect(digits.featureShape == [64])
    #expect(digits.features.count == 1797 * 64)
    #expect(digits.numClasses == 10)
    #expect(digits.features.min() == 0)
    #expect(digits.features.max() == 1)  // 16 / 16
    // Pixel values are integers 0…16, so every feature is a multiple of 1/16.
    #expect(digits.features.allSatisfy { ($0 * 16).rounded() == $0 * 16 })
    let counts = digits.classCounts()
    #expect(counts.reduce(0, +) == 1797)
    #expect(counts.allSatisfy { (170...190).contains($0) })
    // First row of the UCI test file: a 0.
    #expect(digits.labels[0] == 0)
    #expect(Array(digits.features[0..<8]) == [0, 0, 5, 13, 9, 1, 0, 0].map { Float($0) / 16 })
  }

  @Test("breast cancer: 569 × 30 standardised, 212 malignant and 357 benign")
  func breastCancer() throws {
    let data = try EmbeddedDatasets.breastCancer()
    #expect(data.count == 569)
    #expect(data.featureShape == [30])
    #expect(data.numClasses == 2)
    #expect(data.classCounts() == [212, 357])
    #expect(EmbeddedDatasets.breastCancerClassNames == ["malignant", "benign"])
    let stats = data.featureStatistics()
    #expect(stats.mean.allSatisfy { abs($0) < 1e-4 })
    #expect(stats.std.allSatisfy { abs($0 - 1) < 1e-3 })
  }
}

import Foundation
import PollenCore

/// Two small real data sets shipped inside PollenData, for examples, tests and quick
/// simulations without downloads (sources and licenses in `shared/datasets/README.md`).
public enum EmbeddedDatasets {
  /// UCI "Optical Recognition of Handwritten Digits" (test part; Alpaydin & Kaynak, 1998,
  /// CC BY 4.0): 1797 examples of 8×8 images (featureShape `[64]`, row-major), pixel values
  /// 0…16 scaled by 1/16 into [0, 1]; 10 classes (the digits 0–9).
  /// - Throws: `PollenError` `.io` if the bundled resource is missing or unreadable.
  public static func digits() throws -> Dataset {
    let table = try CSVLoader.parse(
      Gzip.readMaybeGzipped(resource("digits.csv.gz")),
      options: .defaults { $0.header = .absent }, source: "digits.csv.gz")
    var dataset = table.dataset
    dataset.scaleFeatures(by: 1.0 / 16.0)
    return dataset
  }

  /// UCI "Breast Cancer Wisconsin (Diagnostic)" (Wolberg, Street & Mangasarian, 1995,
  /// CC BY 4.0): 569 examples of 30 real features, each standardised to mean 0 and standard
  /// deviation 1 (z-score over the whole set); 2 classes, see ``breastCancerClassNames``.
  /// - Throws: `PollenError` `.io` if the bundled resource is missing or unreadable.
  public static func breastCancer() throws -> Dataset {
    let data = try Gzip.readMaybeGzipped(resource("breast_cancer.csv"))
    // The first line, `569,30,malignant,benign`, gives the counts and the class names.
    let newline = data.firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
    let header = String(decoding: data[..<newline], as: UTF8.self).split(separator: ",")
    let body = data[min(newline + 1, data.endIndex)...]
    let table = try CSVLoader.parse(
      Data(body), options: .defaults { $0.header = .absent }, source: "breast_cancer.csv")
    guard header.count == 4, Int(header[0]) == table.dataset.count,
      Int(header[1]) == table.dataset.featureCount, table.dataset.numClasses == 2
    else {
      throw PollenError(.internalError, "breast_cancer.csv does not match its header \(header)")
    }
    return table.dataset.standardized()
  }

  /// The class names of ``breastCancer()``: label 0 is malignant, 1 benign.
  public static let breastCancerClassNames = ["malignant", "benign"]

  private static func resource(_ name: String) throws -> URL {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil) else {
      throw PollenError(.io, "PollenData resource \(name) is missing from the bundle")
    }
    return url
  }
}

import Foundation
import PollenCore
import PollenData
import Testing

/// One CIFAR-10 record: `label`, then 3072 pixels where channel c, row y, column x holds
/// `(c * 50 + y + x) % 256`.
func cifarRecord(label: UInt8) -> [UInt8] {
  var bytes = [label]
  for c in 0..<3 {
    for y in 0..<32 {
      for x in 0..<32 { bytes.append(UInt8((c * 50 + y + x) % 256)) }
    }
  }
  return bytes
}

@Suite("CIFAR-10 loader")
struct CIFAR10LoaderTests {
  @Test("binary batches: CHW layout, scaled pixels, train batches in order, nested directory")
  func batches() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let nested = dir.url.appendingPathComponent("cifar-10-batches-bin")
    try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
    try Data(cifarRecord(label: 3) + cifarRecord(label: 9)).write(
      to: nested.appendingPathComponent("data_batch_1.bin"))
    try Data(cifarRecord(label: 0)).write(to: nested.appendingPathComponent("data_batch_2.bin"))
    try Data(cifarRecord(label: 7)).write(to: nested.appendingPathComponent("test_batch.bin"))

    let (train, test) = try CIFAR10Loader.load(directory: dir.url)
    #expect(train.count == 3)
    #expect(train.labels == [3, 9, 0])
    #expect(test.labels == [7])
    #expect(train.featureShape == [3, 32, 32])
    #expect(train.numClasses == 10)
    // Channel 1 (green), row 2, column 5 of the first image: (50 + 2 + 5) / 255.
    #expect(train.features[1 * 1024 + 2 * 32 + 5] == Float(57) / 255)
    #expect(train.features[3072 + 2 * 1024 + 31 * 32 + 31] == Float(162) / 255)
    #expect(train.features.allSatisfy { $0 >= 0 && $0 <= 1 })
  }

  @Test("a truncated batch or an out-of-range label is an error")
  func malformed() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let short = try dir.write("short.bin", Data(cifarRecord(label: 1).dropLast()))
    #expect(
      pollenErrorMessage { _ = try CIFAR10Loader.load(batches: [short]) }?.contains("not a multiple of 3073")
        == true)
    let label = try dir.write("label.bin", Data(cifarRecord(label: 1) + cifarRecord(label: 10)))
    #expect(
      pollenErrorMessage { _ = try CIFAR10Loader.load(batches: [label]) }
        == "label.bin: record 2 has label 10, expected 0…9")
    #expect(
      pollenErrorMessage { _ = try CIFAR10Loader.load(directory: dir.url) }?.contains("no data_batch_1.bin")
        == true)
  }
}

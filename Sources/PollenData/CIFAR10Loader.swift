import Foundation
import PollenCore

/// Loads CIFAR-10 from its binary version (`cifar-10-binary.tar.gz`, extracted): batches of
/// records of 1 label byte (0…9) followed by 3072 pixel bytes, channel-major (1024 red, 1024
/// green, 1024 blue, each 32×32 row-major).
///
/// Features have shape `[3, 32, 32]` (CHW) and are scaled by 1/255 into [0, 1]; 10 classes.
public enum CIFAR10Loader {
  /// Bytes of one record: the label byte and 3 × 32 × 32 pixels.
  public static let recordSize = 1 + 3 * 32 * 32
  /// The class names, in label order.
  public static let classNames = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
  ]

  /// Loads the training set (`data_batch_1.bin` … `data_batch_5.bin`, in that order, those
  /// present; at least one) and the test set (`test_batch.bin`) from `directory` or its
  /// `cifar-10-batches-bin` subdirectory. Files may be gzipped.
  /// - Throws: `PollenError` `.io` if no training batch or no test batch is found,
  ///   `.invalidArgument` if a batch is malformed.
  public static func load(directory: URL) throws -> (train: Dataset, test: Dataset) {
    let fileManager = FileManager.default
    let nested = directory.appendingPathComponent("cifar-10-batches-bin")
    let base =
      fileManager.fileExists(atPath: nested.appendingPathComponent("test_batch.bin").path)
      ? nested : directory
    let trainFiles = (1...5).map { base.appendingPathComponent("data_batch_\($0).bin") }
      .filter { fileManager.fileExists(atPath: $0.path) }
    let testFile = base.appendingPathComponent("test_batch.bin")
    guard !trainFiles.isEmpty else {
      throw PollenError(.io, "no data_batch_1.bin … data_batch_5.bin in \(base.path)")
    }
    guard fileManager.fileExists(atPath: testFile.path) else {
      throw PollenError(.io, "no test_batch.bin in \(base.path)")
    }
    return (try load(batches: trainFiles), try load(batches: [testFile]))
  }

  /// Loads and concatenates the records of the batch files `batches`, in order.
  /// - Throws: `PollenError` `.invalidArgument` if a file's size is not a multiple of
  ///   ``recordSize`` or a label is not below 10.
  public static func load(batches: [URL]) throws -> Dataset {
    try decode(batches: batches.map { (try Gzip.readMaybeGzipped($0), $0.lastPathComponent) })
  }

  /// Decodes and concatenates batches already in memory (not gzipped), in order; `name` is what
  /// error messages call each one.
  /// - Throws: `PollenError` `.invalidArgument` if a batch's size is not a multiple of
  ///   ``recordSize`` or a label is not below 10.
  public static func decode(batches: [(data: Data, name: String)]) throws -> Dataset {
    let pixels = recordSize - 1
    var files: [(name: String, data: Data)] = []
    for (data, name) in batches {
      guard data.count % recordSize == 0 else {
        throw PollenError(
          .invalidArgument,
          "\(name): size \(data.count) is not a multiple of \(recordSize) "
            + "(1 label byte + \(pixels) pixels)")
      }
      files.append((name, data))
    }
    let total = files.reduce(0) { $0 + $1.data.count / recordSize }
    var labels: [Int32] = []
    labels.reserveCapacity(total)
    for (name, data) in files {
      for (record, offset) in stride(from: data.startIndex, to: data.endIndex, by: recordSize).enumerated() {
        let label = data[offset]
        guard label < 10 else {
          throw PollenError(
            .invalidArgument, "\(name): record \(record + 1) has label \(label), expected 0…9")
        }
        labels.append(Int32(label))
      }
    }
    let features = [Float](unsafeUninitializedCapacity: total * pixels) { out, initialized in
      var row = 0
      for (_, data) in files {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
          for offset in stride(from: 0, to: raw.count, by: recordSize) {
            let target = row * pixels
            for i in 0..<pixels { out[target + i] = Float(raw[offset + 1 + i]) / 255 }
            row += 1
          }
        }
      }
      initialized = total * pixels
    }
    return Dataset(features: features, featureShape: [3, 32, 32], labels: labels, numClasses: 10)
  }
}

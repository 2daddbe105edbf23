import Foundation
import PollenCore

/// Loads image classification sets in the IDX format of MNIST and Fashion-MNIST: an images file
/// (IDX3: count × rows × cols unsigned bytes) and a labels file (IDX1: count unsigned bytes),
/// big-endian headers, optionally gzipped (`.gz` files are detected by content).
///
/// Pixels are scaled by 1/255 into [0, 1]; the feature shape is `[1, rows, cols]`.
public enum IDXLoader {
  /// Loads one images file and its labels file.
  /// - Parameters:
  ///   - images: the images file (IDX3, possibly gzipped).
  ///   - labels: the labels file (IDX1, possibly gzipped).
  ///   - numClasses: the number of classes; `nil` means the largest label + 1.
  /// - Throws: `PollenError` `.io` if a file cannot be read, `.invalidArgument` if a file is
  ///   not IDX of the expected rank, is truncated, or the counts disagree.
  public static func load(images: URL, labels: URL, numClasses: Int? = nil) throws -> Dataset {
    try decode(
      images: Gzip.readMaybeGzipped(images), labels: Gzip.readMaybeGzipped(labels), numClasses: numClasses,
      names: (images.lastPathComponent, labels.lastPathComponent))
  }

  /// Decodes an images file and its labels file already in memory (not gzipped).
  /// - Parameters:
  ///   - images: the images file's bytes (IDX3).
  ///   - labels: the labels file's bytes (IDX1).
  ///   - numClasses: the number of classes; `nil` means the largest label + 1.
  ///   - names: what error messages call the two files.
  /// - Throws: `PollenError` `.invalidArgument` if a file is not IDX of the expected rank, is
  ///   truncated, the counts disagree, or a label is not below `numClasses`.
  public static func decode(
    images: Data, labels: Data, numClasses: Int? = nil,
    names: (images: String, labels: String) = ("images", "labels")
  ) throws -> Dataset {
    let imageFile = try IDXFile(data: images, name: names.images, expectedRank: 3)
    let labelFile = try IDXFile(data: labels, name: names.labels, expectedRank: 1)
    guard imageFile.dimensions[0] == labelFile.dimensions[0] else {
      throw PollenError(
        .invalidArgument,
        "\(names.images) holds \(imageFile.dimensions[0]) images but "
          + "\(names.labels) holds \(labelFile.dimensions[0]) labels")
    }
    let labelValues = labelFile.payload.map { Int32($0) }
    let classes = numClasses ?? Int(labelValues.max().map { $0 + 1 } ?? 0)
    if let bad = labelValues.first(where: { Int($0) >= classes }) {
      throw PollenError(
        .invalidArgument, "\(names.labels): label \(bad) is not below numClasses \(classes)")
    }
    let rows = imageFile.dimensions[1]
    let cols = imageFile.dimensions[2]
    return Dataset(
      features: unitScaled(imageFile.payload), featureShape: [1, rows, cols], labels: labelValues,
      numClasses: classes)
  }

  /// Loads the train and test sets from a directory holding the four files of MNIST or
  /// Fashion-MNIST: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
  /// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each possibly with `.gz` appended
  /// (the `train-images.idx3-ubyte` spelling is accepted too). Both sets get the same
  /// `numClasses` (the largest label of either + 1).
  /// - Throws: `PollenError` `.io` naming the file names looked for if one is missing.
  public static func load(directory: URL) throws -> (train: Dataset, test: Dataset) {
    func find(_ prefix: String, _ kind: String) throws -> URL {
      let candidates = [
        "\(prefix)-\(kind)", "\(prefix)-\(kind.replacingOccurrences(of: "-idx", with: ".idx"))",
      ]
      .flatMap { [$0, $0 + ".gz"] }
      for name in candidates {
        let url = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: url.path) { return url }
      }
      throw PollenError(
        .io, "no \(candidates.joined(separator: " or ")) in \(directory.path)")
    }
    var train = try load(
      images: find("train", "images-idx3-ubyte"), labels: find("train", "labels-idx1-ubyte"))
    var test = try load(images: find("t10k", "images-idx3-ubyte"), labels: find("t10k", "labels-idx1-ubyte"))
    let classes = max(train.numClasses, test.numClasses)
    train.numClasses = classes
    test.numClasses = classes
    return (train, test)
  }

  /// Converts bytes to floats in [0, 1] (x / 255).
  static func unitScaled(_ bytes: Data) -> [Float] {
    [Float](unsafeUninitializedCapacity: bytes.count) { out, initialized in
      bytes.withUnsafeBytes { raw in
        for i in 0..<raw.count { out[i] = Float(raw[i]) / 255 }
      }
      initialized = bytes.count
    }
  }
}

/// One parsed IDX file: magic `00 00 08 rank`, `rank` big-endian UInt32 sizes, unsigned bytes.
private struct IDXFile {
  var dimensions: [Int]
  var payload: Data

  init(data: Data, name: String, expectedRank: Int) throws {
    let bytes = [UInt8](data.prefix(4 + 4 * expectedRank))
    guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
      throw PollenError(.invalidArgument, "\(name): not an IDX file (bad magic number)")
    }
    guard bytes[2] == 0x08 else {
      throw PollenError(
        .invalidArgument,
        "\(name): IDX data type 0x\(String(bytes[2], radix: 16)) is not supported (only unsigned bytes, 0x08)"
      )
    }
    guard Int(bytes[3]) == expectedRank else {
      throw PollenError(
        .invalidArgument, "\(name): IDX rank is \(bytes[3]), expected \(expectedRank)")
    }
    let headerSize = 4 + 4 * expectedRank
    guard bytes.count == headerSize else {
      throw PollenError(.invalidArgument, "\(name): truncated IDX header")
    }
    dimensions = (0..<expectedRank).map { d in
      (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) }
    }
    // Three 32-bit sizes can multiply past Int.max (also the size of one image when there are
    // none): a file can't hold that many bytes, so it is a bad header, not a trap.
    func product(_ sizes: ArraySlice<Int>) -> Int? {
      sizes.reduce(1 as Int?) { acc, d in
        acc.flatMap { a in
          let (value, overflow) = a.multipliedReportingOverflow(by: d)
          return overflow ? nil : value
        }
      }
    }
    guard let perItem = product(dimensions.dropFirst()),
      case (let expected, false) = dimensions[0].multipliedReportingOverflow(by: perItem)
    else {
      throw PollenError(
        .invalidArgument, "\(name): dimensions \(dimensions) describe more bytes than any file holds")
    }
    let available = data.count - headerSize
    guard available >= expected else {
      throw PollenError(
        .invalidArgument,
        "\(name): truncated: dimensions \(dimensions) need \(expected) bytes after the header, "
          + "found \(available)")
    }
    let start = data.startIndex + headerSize
    payload = data[start..<(start + expected)]
  }
}

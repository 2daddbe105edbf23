import Foundation
import PollenCore
import PollenData
import Testing

/// IDX bytes: magic `00 00 08 rank`, big-endian sizes, then `payload`.
func idx(dimensions: [Int], payload: [UInt8]) -> Data {
  var bytes: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
  for d in dimensions { bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: d >> $0) } }
  return Data(bytes + payload)
}

/// Compresses `file` with the system's `gzip` command (a compressor other than Pollen's).
func systemGzip(_ file: URL) throws -> URL {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
  process.arguments = ["-kf", file.path]
  try process.run()
  process.waitUntilExit()
  guard process.terminationStatus == 0 else { throw PollenError(.io, "gzip failed") }
  return URL(fileURLWithPath: file.path + ".gz")
}

@Suite("Gzip and IDX loader")
struct IDXLoaderTests {
  // Three 2×3 images with pixels 0, 1, …, and labels 2, 0, 1.
  let pixels = (0..<18).map { UInt8($0 * 15) }
  var images: Data { idx(dimensions: [3, 2, 3], payload: pixels) }
  var labels: Data { idx(dimensions: [3], payload: [2, 0, 1]) }

  @Test("gzip round trip, multi-member streams and corrupt input")
  func gzipRoundTrip() throws {
    let text = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 3) })
    let packed = try Gzip.compress(text)
    #expect(Gzip.isGzipped(packed))
    #expect(!Gzip.isGzipped(text))
    #expect(packed.count < text.count)
    #expect(try Gzip.decompress(packed) == text)
    #expect(try Gzip.decompress(packed + Gzip.compress(Data("tail".utf8))) == text + Data("tail".utf8))
    #expect(throws: PollenError.self) { try Gzip.decompress(packed.prefix(packed.count / 2)) }
    var corrupt = packed
    corrupt[12] ^= 0xFF
    #expect(throws: PollenError.self) { try Gzip.decompress(corrupt) }
  }

  @Test("plain IDX: shape from the header, pixels scaled to [0, 1], labels kept")
  func plain() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let data = try IDXLoader.load(images: dir.write("img", images), labels: dir.write("lbl", labels))
    #expect(data.count == 3)
    #expect(data.featureShape == [1, 2, 3])
    #expect(data.labels == [2, 0, 1])
    #expect(data.numClasses == 3)
    #expect(data.features == pixels.map { Float($0) / 255 })
    #expect(data.features.max() == 1)
  }

  @Test("gzipped IDX (system gzip) loads like the plain files; directory layout of MNIST")
  func gzippedDirectory() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let trainImages = try dir.write("train-images-idx3-ubyte", images)
    let trainLabels = try dir.write("train-labels-idx1-ubyte", labels)
    _ = try systemGzip(trainImages)
    _ = try systemGzip(trainLabels)
    try FileManager.default.removeItem(at: trainImages)
    try FileManager.default.removeItem(at: trainLabels)
    try dir.write(
      "t10k-images-idx3-ubyte.gz", Gzip.compress(idx(dimensions: [1, 2, 3], payload: Array(pixels[0..<6]))))
    try dir.write("t10k-labels-idx1-ubyte", idx(dimensions: [1], payload: [4]))

    let (train, test) = try IDXLoader.load(directory: dir.url)
    #expect(train.features == pixels.map { Float($0) / 255 })
    #expect(train.labels == [2, 0, 1])
    #expect(test.count == 1)
    #expect(test.labels == [4])
    #expect(train.numClasses == 5 && test.numClasses == 5)
  }

  @Test("bad magic, wrong rank, truncated data, count mismatch and missing files are errors")
  func malformed() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let lbl = try dir.write("lbl", labels)
    let badMagic = try dir.write("magic", Data([1, 2, 3, 4, 5, 6, 7, 8]))
    #expect(
      pollenErrorMessage { _ = try IDXLoader.load(images: badMagic, labels: lbl) }?.contains("bad magic")
        == true)
    let rank = try dir.write("rank", idx(dimensions: [3, 6], payload: pixels))
    #expect(
      pollenErrorMessage { _ = try IDXLoader.load(images: rank, labels: lbl) }
        == "rank: IDX rank is 2, expected 3")
    let short = try dir.write("short", idx(dimensions: [3, 2, 3], payload: Array(pixels[0..<10])))
    #expect(
      pollenErrorMessage { _ = try IDXLoader.load(images: short, labels: lbl) }?.contains("truncated") == true
    )
    let two = try dir.write("two", idx(dimensions: [2], payload: [0, 1]))
    let img = try dir.write("img", images)
    #expect(
      pollenErrorMessage { _ = try IDXLoader.load(images: img, labels: two) }
        == "img holds 3 images but two holds 2 labels")
    #expect(
      pollenErrorMessage { _ = try IDXLoader.load(directory: dir.url) }?.contains("train-images-idx3-ubyte")
        == true)
  }
}

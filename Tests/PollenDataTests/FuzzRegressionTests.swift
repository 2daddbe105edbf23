import Foundation
import PollenCore
import PollenTesting
import Testing

@testable import PollenData

/// Inputs the fuzzers (`Scripts/fuzz.sh`) found crashing a loader; each must now be refused with
/// an error. The same files are in `Fuzz/Corpus/<target>/crash-*`, in the harness's framing.
@Suite struct DataFuzzRegressionTests {
  /// A `FuzzIDX` input split as its harness splits it: two bytes (little-endian) say where the
  /// images file ends.
  private static func idxFiles(_ name: String) throws -> (images: Data, labels: Data) {
    let input = try FuzzCorpus.file("FuzzIDX", name)
    let rest = input.dropFirst(2)
    let split = (Int(input[0]) | Int(input[1]) << 8) % (rest.count + 1)
    return (rest.prefix(split), rest.dropFirst(split))
  }

  /// Three IDX sizes whose product passes Int.max trapped on the multiplication instead of
  /// saying the file is too short.
  @Test func idxDimensionsWhoseProductOverflowsAreAnError() throws {
    let (images, labels) = try Self.idxFiles("crash-dimensions-overflow")
    let error = #expect(throws: PollenError.self) { try IDXLoader.decode(images: images, labels: labels) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains("more bytes than any file holds") == true)
  }

  /// Zero images of 2^32 × 2^32 pixels: the total is 0, but one image's size overflowed when
  /// the data set was built.
  @Test func anEmptyIDXSetOfImpossiblyLargeImagesIsAnError() throws {
    let (images, labels) = try Self.idxFiles("crash-empty-set-huge-images")
    let error = #expect(throws: PollenError.self) { try IDXLoader.decode(images: images, labels: labels) }
    #expect(error?.code == .invalidArgument)
  }

  /// A 19-digit unsigned integer field overflowed Int64 in the CSV scanner's fast path (a trap);
  /// it is read as a Double like any other long number.
  @Test func aNineteenDigitIntegerInACSVIsANumberNotATrap() throws {
    let input = try FuzzCorpus.file("FuzzCSV", "crash-19-digit-integer")
    _ = try? CSVLoader.parse(input)  // must return or throw, not trap
    let table = try CSVLoader.parse(
      Data("9999999999999999999,1\n-999999999999999999,0\n".utf8), options: .defaults { $0.header = .absent })
    #expect(
      table.dataset.features == [Float(9_999_999_999_999_999_999.0), Float(-999_999_999_999_999_999.0)])
  }

  /// The same check on a hand-made header: 2^31 × 2^31 × 4 bytes.
  @Test func anIDXHeaderClaimingExabytesIsRefused() {
    var images = Data([0, 0, 8, 3])
    for size: UInt32 in [1 << 31, 1 << 31, 4] {
      withUnsafeBytes(of: size.bigEndian) { images.append(contentsOf: $0) }
    }
    let labels = Data([0, 0, 8, 1, 0, 0, 0, 0])
    #expect(throws: PollenError.self) { try IDXLoader.decode(images: images, labels: labels) }
  }
}

import Foundation
import PollenTesting
import Testing

@testable import PollenCore

/// Inputs the fuzzers (`Scripts/fuzz.sh`) found crashing a decoder; each must now be refused
/// with an error. The same files are in `Fuzz/Corpus/<target>/crash-*`.
@Suite struct FuzzRegressionTests {
  /// A ZIP64 extra field claiming 2^64 − 1 bytes made the stored-entry reader build a
  /// backwards range (a trap) instead of saying the entry is truncated.
  @Test func aZip64SizeBeyondTheArchiveIsAnError() throws {
    let data = try FuzzCorpus.file("FuzzNPZ", "crash-zip64-size-beyond-archive")
    let error = #expect(throws: PollenError.self) { try NPZ.decode(data) }
    #expect(error?.code == .invalidArgument)
  }
}

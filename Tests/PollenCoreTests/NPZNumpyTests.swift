import Foundation
import PollenCore
import Testing

/// `.npz` files as numpy writes them (`Resources/npz/`, made with numpy 2.4 by
/// `np.savez(f, np.full((3, 2), 5, np.float32), np.arange(4, dtype=np.int64))` and
/// `np.savez_compressed(f, np.arange(3))`). numpy's savez writes ZIP64 local headers.
@Suite struct NPZNumpyTests {
  func resource(_ name: String) throws -> Data {
    let url =
      Bundle.module.url(forResource: "npz", withExtension: nil, subdirectory: "Resources")
      ?? Bundle.module.bundleURL.appendingPathComponent("Resources/npz")
    return try Data(contentsOf: url.appendingPathComponent(name))
  }

  @Test func numpySavezIsRead() throws {
    let entries = try NPZ.decode(resource("numpy-savez.npz"))
    #expect(entries.map(\.name) == ["arr_0", "arr_1"])
    #expect(entries[0].array.dtype == .float32 && entries[0].array.shape == [3, 2])
    #expect(entries[0].array.doubles() == [Double](repeating: 5, count: 6))
    #expect(entries[1].array.dtype == .int64 && entries[1].array.doubles() == [0, 1, 2, 3])
  }

  @Test func compressedArchivesAreAClearError() throws {
    #expect {
      _ = try NPZ.decode(resource("numpy-savez-compressed.npz"))
    } throws: { error in
      "\(error)".contains("compressed")
    }
  }
}

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// numpy's `.npz` container: a ZIP of `.npy` files, as `numpy.savez` writes it.
public enum NPZ {
  /// An archive holding `arrays` as `arr_0.npy … arr_n.npy` (what `numpy.savez(f, *arrays)`
  /// writes), uncompressed; `numpy.load(f)["arr_0"]` reads the first array back.
  public static func encode(_ arrays: [NDArray]) -> Data {
    ZipArchive.stored(arrays.enumerated().map { ("arr_\($0.offset).npy", $0.element.npy()) })
  }

  /// The arrays of an uncompressed `.npz`, by name without `.npy`, in archive order.
  public static func decode(_ data: Data) throws -> [(name: String, array: NDArray)] {
    try ZipArchive.readStored(data).map { entry in
      let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
      return (name, try NDArray(npy: entry.data))
    }
  }
}

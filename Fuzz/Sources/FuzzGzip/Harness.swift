import Foundation
import PollenData

/// One input: gzip bytes. Decompressing must return data or throw; data that decompresses
/// must come back from compress + decompress.
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  guard let plain = try? Gzip.decompress(Data(bytes)) else { return }
  guard let again = try? Gzip.decompress(Gzip.compress(plain)), again == plain else {
    fatalError("gzip round trip changed the data")
  }
}

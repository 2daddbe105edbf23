import Foundation
import PollenData

/// One input: the first two bytes (little-endian, modulo the rest's length + 1) say where the
/// images file ends and the labels file begins; both are decoded, with and without `numClasses`.
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  guard bytes.count >= 2 else { return }
  let rest = Data(bytes[2...])
  let split = (Int(bytes[0]) | Int(bytes[1]) << 8) % (rest.count + 1)
  let images = rest.prefix(split)
  let labels = rest.dropFirst(split)
  _ = try? IDXLoader.decode(images: images, labels: labels)
  _ = try? IDXLoader.decode(images: images, labels: labels, numClasses: 10)
}

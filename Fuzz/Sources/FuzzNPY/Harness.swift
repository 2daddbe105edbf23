import Foundation
import PollenCore

/// One input: a `.npy` file. Decoding must return an array or throw, never crash, and an array
/// that decodes must encode and decode to itself.
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  guard let array = try? NDArray(npy: Data(bytes)) else { return }
  guard let again = try? NDArray(npy: array.npy()), again == array else {
    fatalError("a decoded .npy array did not survive encode + decode")
  }
}

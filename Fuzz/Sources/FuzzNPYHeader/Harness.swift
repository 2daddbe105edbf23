import Foundation
import PollenCore

/// One input: the Python-literal header dictionary of a `.npy` file on its own. The harness adds
/// the magic string, a version (1.0 when the first byte is even, 3.0 when odd — Latin-1 against
/// UTF-8 text, `L` suffixes allowed or not) and the length, then 64 data bytes, so every input
/// reaches the literal parser and the dtype/shape checks rather than dying at the preamble.
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  guard let first = bytes.first else { return }
  let text = bytes.dropFirst().prefix(Int(UInt16.max))
  var file: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
  if first & 1 == 0 {
    file += [1, 0, UInt8(text.count & 0xff), UInt8(text.count >> 8)]
  } else {
    file += [3, 0, UInt8(text.count & 0xff), UInt8(text.count >> 8), 0, 0]
  }
  file += text
  file += [UInt8](repeating: 0x3f, count: 64)
  guard let array = try? NDArray(npy: Data(file)) else { return }
  guard let again = try? NDArray(npy: array.npy()), again == array else {
    fatalError("an array decoded from a fuzzed header did not survive encode + decode")
  }
}

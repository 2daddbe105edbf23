import Foundation
import PollenData

/// One input: CIFAR-10 binary records, as one batch and split in two at the first byte's
/// fraction of the length.
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  let data = Data(bytes)
  _ = try? CIFAR10Loader.decode(batches: [(data, "batch")])
  guard let first = bytes.first else { return }
  let split = Int(first) * data.count / 256
  _ = try? CIFAR10Loader.decode(batches: [(data.prefix(split), "a"), (data.dropFirst(split), "b")])
}

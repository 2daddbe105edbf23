import Foundation
import PollenCore

/// One input: a `.npz` archive (ZIP, ZIP64, stored or deflated members).
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  _ = try? NPZ.decode(Data(bytes))
}

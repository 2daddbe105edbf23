import Foundation
import PollenData

/// One input: CSV text, parsed with the header detected, present and absent.
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  let data = Data(bytes)
  _ = try? CSVLoader.parse(data)
  _ = try? CSVLoader.parse(data, options: .defaults { $0.header = .present })
  _ = try? CSVLoader.parse(data, options: .defaults { $0.header = .absent })
}

import Foundation
import Testing

@testable import PollenCore

/// One `.npy` file made by `Scripts/make-npy-vectors.py` and what numpy reads from it.
struct NPYVector: Decodable, Sendable, CustomTestStringConvertible {
  var file: String
  var dtype: String
  var shape: [Int]
  var values: [JSONNumber]
  /// The file is exactly what `numpy.save` writes (little-endian, C order, version 1.0).
  var numpySave: Bool
  var version: String
  var note: String

  var testDescription: String { file }

  /// The file's bytes.
  func data() throws -> Data { try Data(contentsOf: NPYVector.directory.appendingPathComponent(file)) }

  static let directory: URL = {
    if let url = Bundle.module.url(forResource: "npy", withExtension: nil, subdirectory: "Resources") {
      return url
    }
    return Bundle.module.bundleURL.appendingPathComponent("Resources/npy")
  }()

  /// Every vector listed in `vectors.json` (empty if it cannot be read; a test checks the count).
  static let all: [NPYVector] = {
    guard let json = try? Data(contentsOf: directory.appendingPathComponent("vectors.json")) else {
      return []
    }
    return (try? JSONDecoder().decode([NPYVector].self, from: json)) ?? []
  }()
}

/// A value in `vectors.json`: a number, a bool, or `"nan"`, `"inf"`, `"-inf"`.
enum JSONNumber: Decodable, Sendable, Equatable {
  case number(Double)
  case bool(Bool)

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let d = try? c.decode(Double.self) {
      self = .number(d)
    } else {
      switch try c.decode(String.self) {
      case "nan": self = .number(.nan)
      case "inf": self = .number(.infinity)
      case "-inf": self = .number(-.infinity)
      case let s: throw DecodingError.dataCorruptedError(in: c, debugDescription: "bad value \(s)")
      }
    }
  }

  var double: Double {
    switch self {
    case .number(let d): return d
    case .bool(let b): return b ? 1 : 0
    }
  }
}

/// Whether two doubles are the same value (NaN equals NaN; -0 and +0 are told apart).
func sameValue(_ a: Double, _ b: Double) -> Bool {
  (a.isNaN && b.isNaN) || (a == b && a.sign == b.sign)
}

/// Asserts that decoding `data` throws a ``PollenError`` with code `invalidTensor` whose message
/// contains `fragment`.
func expectInvalid(
  _ data: Data, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  do {
    let array = try NDArray(npy: data)
    Issue.record("decoded \(array.dtype) \(array.shape), expected an error", sourceLocation: sourceLocation)
  } catch let error as PollenError {
    #expect(error.code == .invalidTensor, sourceLocation: sourceLocation)
    #expect(
      error.message.contains(fragment), "message: \(error.message)", sourceLocation: sourceLocation)
  } catch {
    Issue.record("threw \(type(of: error)), not PollenError: \(error)", sourceLocation: sourceLocation)
  }
}

/// A version 1.0 `.npy` file with the given header text (padded like numpy) and data.
func npyFile(header: String, data: [UInt8] = [], version: (UInt8, UInt8) = (1, 0)) -> Data {
  var text = Array(header.utf8)
  let lengthSize = version.0 == 1 ? 2 : 4
  let unpadded = 8 + lengthSize + text.count + 1
  text += [UInt8](repeating: UInt8(ascii: " "), count: (64 - unpadded % 64) % 64) + [UInt8(ascii: "\n")]
  var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version.0, version.1]
  for i in 0..<lengthSize { out.append(UInt8(truncatingIfNeeded: text.count >> (8 * i))) }
  return Data(out + text + data)
}

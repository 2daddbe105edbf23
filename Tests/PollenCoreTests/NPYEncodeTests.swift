import Foundation
import Testing

@testable import PollenCore

@Suite("NPY encoding")
struct NPYEncodeTests {
  /// Headers copied from `numpy.save` output (numpy 2.4).
  @Test(
    "the header is numpy's, padded to 64 bytes",
    arguments: [
      (NDArray(zeros: .float32, shape: [3]), "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 60),
      (NDArray(zeros: .bool, shape: []), "{'descr': '|b1', 'fortran_order': False, 'shape': (), }", 62),
      (
        NDArray(zeros: .int64, shape: [2, 3, 4]),
        "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3, 4), }", 55
      ),
    ])
  func header(_ array: NDArray, _ dict: String, _ spaces: Int) {
    let expected =
      Data([0x93] + Array("NUMPY".utf8) + [1, 0, 0x76, 0])
      + Data((dict + String(repeating: " ", count: spaces) + "\n").utf8)
    let encoded = array.npy()
    #expect(encoded.prefix(128) == expected)
    #expect(encoded.count == 128 + array.bytes.count)
  }

  @Test("descr spelling for every dtype", arguments: DType.allCases)
  func descr(_ dtype: DType) throws {
    let header = String(decoding: NDArray(zeros: dtype, shape: [1]).npy().prefix(30), as: UTF8.self)
    let code = ["float": "f", "int": "i", "uint": "u", "bool": "b"][dtype.rawValue.filter(\.isLetter)]!
    let order = dtype.itemSize == 1 ? "|" : "<"
    #expect(header.contains("'descr': '\(order)\(code)\(dtype.itemSize)'"))
  }

  @Test("data starts at a multiple of 64 for shapes of 0 to 12 dimensions and long dims")
  func alignment() {
    var shapes: [[Int]] = (0...12).map { Array(repeating: 1, count: $0) }
    shapes += [[123_456_789_012, 0], [0, 98_765_432_109_876], [7, 0, 99_999]]
    for shape in shapes {
      let data = NDArray(zeros: .float64, shape: shape).npy()
      let headerLength = Int(data[8]) | Int(data[9]) << 8
      #expect((10 + headerLength) % 64 == 0, "\(shape)")
      #expect(data[10 + headerLength - 1] == UInt8(ascii: "\n"))
      #expect(data.count == 10 + headerLength + 8 * shape.reduce(1, *))
    }
  }

  @Test("a header longer than 65535 bytes switches to version 2.0, like numpy")
  func version2() {
    let array = NDArray(zeros: .float32, shape: Array(repeating: 1, count: 22_000))
    let data = array.npy()
    #expect(Array(data.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [2, 0])
    let length = (8..<12).reduce(0) { $0 | Int(data[$1]) << (8 * ($1 - 8)) }
    #expect(length > 65535)
    #expect((12 + length) % 64 == 0)
    #expect(data.count == 12 + length + 4)
    // Pollen reads numpy's limit of 64 dimensions, so this one does not decode.
    expectInvalid(data, "22000 dimensions")
  }

  @Test("round trip of every dtype and shape", arguments: DType.allCases)
  func roundTrip(_ dtype: DType) throws {
    var rng = SeededRandom(seed: 7)
    let shapes: [[Int]] = [
      [], [0], [1], [5], [2, 3], [3, 0, 2], [2, 1, 2, 1, 2], Array(repeating: 2, count: 12),
    ]
    for shape in shapes {
      let n = shape.reduce(1, *)
      let values = (0..<n).map { _ in (rng.nextUnit() - 0.5) * 300 }
      let array = NDArray(doubles: values, dtype: dtype, shape: shape)
      let decoded = try NDArray(npy: array.npy())
      #expect(decoded == array)
      #expect(decoded.doubles().elementsEqual(array.doubles(), by: sameValue))
    }
  }

  @Test("encoding a slice-backed array writes only its bytes")
  func encodesSlices() throws {
    let file = NDArray([1, 2, 3] as [Int32], shape: [3]).npy()
    let padded = Data([9, 9, 9]) + file + Data([9])
    let array = try NDArray(npy: padded[(padded.startIndex + 3)...])
    #expect(array.npy() == file)
  }
}

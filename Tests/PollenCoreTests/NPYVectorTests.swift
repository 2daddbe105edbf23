import Foundation
import Testing

@testable import PollenCore

@Suite("NPY vectors made by numpy")
struct NPYVectorTests {
  @Test("vectors.json lists every vector file")
  func vectorsAreThere() throws {
    #expect(NPYVector.all.count >= 51)
    let files = try FileManager.default.contentsOfDirectory(atPath: NPYVector.directory.path)
    #expect(Set(files.filter { $0.hasSuffix(".npy") }) == Set(NPYVector.all.map(\.file)))
    let versions = Set(NPYVector.all.map(\.version))
    #expect(versions == ["1.0", "2.0", "3.0"])
    #expect(Set(NPYVector.all.map(\.dtype)) == Set(DType.allCases.map(\.rawValue)))
  }

  @Test("decodes to numpy's dtype, shape and values", arguments: NPYVector.all)
  func decode(_ vector: NPYVector) throws {
    let array = try NDArray(npy: vector.data())
    #expect(array.dtype.rawValue == vector.dtype)
    #expect(array.shape == vector.shape)
    #expect(array.count == vector.values.count)
    #expect(array.bytes.count == array.count * array.dtype.itemSize)
    let got = array.doubles()
    let expected = vector.values.map(\.double)
    let mismatches = zip(got, expected).enumerated().filter { !sameValue($0.element.0, $0.element.1) }
    #expect(mismatches.isEmpty, "first mismatches (index, (got, numpy)): \(mismatches.prefix(4))")
  }

  @Test("bool vectors decode to Swift Bools", arguments: NPYVector.all.filter { $0.dtype == "bool" })
  func decodeBools(_ vector: NPYVector) throws {
    let array = try NDArray(npy: vector.data())
    let expected = vector.values.map { $0 == .bool(true) }
    #expect(array.scalars(as: Bool.self) == expected)
  }

  @Test("re-encodes byte for byte like numpy.save", arguments: NPYVector.all.filter(\.numpySave))
  func reencode(_ vector: NPYVector) throws {
    let data = try vector.data()
    let encoded = try NDArray(npy: data).npy()
    #expect(encoded == data)
    if encoded != data {
      let headerLength = min(128, data.count, encoded.count)
      let ours = String(decoding: encoded.prefix(headerLength), as: UTF8.self)
      let numpys = String(decoding: data.prefix(headerLength), as: UTF8.self)
      Issue.record("ours:  \(ours.debugDescription)\nnumpy: \(numpys.debugDescription)")
    }
  }

  @Test(
    "big-endian and Fortran-order vectors equal their little-endian C-order twin",
    arguments: [
      ("float32-be.npy", "float32-1d.npy"), ("int64-be.npy", "int64-1d.npy"),
      ("uint16-be.npy", "uint16-1d.npy"), ("float16-be.npy", "float16-1d.npy"),
    ])
  func bigEndianMatchesLittle(_ big: String, _ little: String) throws {
    let be = try NDArray(npy: vectorData(big))
    let le = try NDArray(npy: vectorData(little))
    // The 1-D vector holds 7 values; the big-endian one the first 6 as 2×3.
    #expect(be.bytes == le.bytes.prefix(6 * le.dtype.itemSize))
  }

  @Test("a Fortran-order array is transposed into C order")
  func fortranOrder() throws {
    let data = try vectorData("int16-fortran-3d.npy")
    let array = try NDArray(npy: data)
    #expect(array.shape == [2, 3, 4])
    // The file stores element (i, j, k) at i + 2 j + 6 k; C order wants it at 12 i + 4 j + k.
    let raw = data.suffix(24 * 2).withUnsafeBytes { bytes in
      (0..<24).map { bytes.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self) }
    }
    let c = array.scalars(as: Int16.self)
    for i in 0..<2 {
      for j in 0..<3 {
        for k in 0..<4 { #expect(c[12 * i + 4 * j + k] == raw[i + 2 * j + 6 * k]) }
      }
    }
  }

  @Test("little-endian C-order payloads are not copied")
  func zeroCopy() throws {
    for file in ["float32-1d.npy", "float64-2d.npy", "uint8-4d.npy", "float32-v2.npy"] {
      let data = try vectorData(file)
      let array = try NDArray(npy: data)
      let payload = data.withUnsafeBytes { $0.baseAddress! + (data.count - array.bytes.count) }
      let decoded = array.bytes.withUnsafeBytes { $0.baseAddress! }
      #expect(UnsafeRawPointer(payload) == decoded, "\(file) was copied")
    }
  }

  @Test("a payload at an unaligned address is copied to aligned storage")
  func unalignedPayloadIsCopied() throws {
    let file = try vectorData("float64-2d.npy")
    let shifted = (Data([0xAA]) + file).dropFirst()  // same bytes, payload address now odd
    let array = try NDArray(npy: shifted)
    #expect(array.doubles() == (try NDArray(npy: file)).doubles())
    let address = array.bytes.withUnsafeBytes { Int(bitPattern: $0.baseAddress) }
    #expect(address % MemoryLayout<Double>.alignment == 0)
    array.withUnsafeBufferPointer(as: Double.self) { #expect($0.count == 12) }
  }

  @Test("bytes after the data are ignored, as numpy ignores them")
  func trailingBytes() throws {
    let array = try NDArray(npy: vectorData("trailing-bytes.npy"))
    #expect(array.scalars(as: UInt16.self) == [7])
    #expect(array.bytes.count == 2)
  }

  @Test("decodes a Data slice that does not start at index 0")
  func decodesSlices() throws {
    let file = try vectorData("int32-3d.npy")
    let wrapped = Data(repeating: 0, count: 64) + file + Data(repeating: 0xFF, count: 3)
    let slice = wrapped[(wrapped.startIndex + 64)...]
    #expect(try NDArray(npy: slice) == NDArray(npy: file))
  }

  private func vectorData(_ file: String) throws -> Data {
    try Data(contentsOf: NPYVector.directory.appendingPathComponent(file))
  }
}

import Foundation
import Testing

@testable import PollenCore

/// Decoding damaged files must throw ``PollenError`` or produce a consistent array, never crash.
@Suite("NPY decoding survives corruption")
struct NPYCorruptionTests {
  static let files = [
    "float32-1d.npy", "float64-fortran-be.npy", "int8-v3.npy", "float32-v2.npy", "bool-0d.npy",
    "uint8-4d.npy", "descr-typecode.npy",
  ]

  @Test("every proper prefix of a valid file throws", arguments: files)
  func truncation(_ file: String) throws {
    let data = try Data(contentsOf: NPYVector.directory.appendingPathComponent(file))
    for length in 0..<data.count {
      do {
        let array = try NDArray(npy: data.prefix(length))
        Issue.record("a \(length)-byte prefix of \(file) decoded as \(array.dtype) \(array.shape)")
      } catch let error as PollenError {
        #expect(error.code == .invalidTensor)
      }
    }
  }

  @Test("random byte flips throw PollenError or decode consistently", arguments: files)
  func byteFlips(_ file: String) throws {
    let data = try Data(contentsOf: NPYVector.directory.appendingPathComponent(file))
    var rng = SeededRandom(seed: file.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) })
    var decoded = 0
    for _ in 0..<1500 {
      var damaged = data
      for _ in 0..<Int.random(in: 1...3, using: &rng) {
        // Mostly damage the preamble and header, where the parser lives.
        let limit = Bool.random(using: &rng) ? min(data.count, 128) : data.count
        let index = damaged.startIndex + Int.random(in: 0..<limit, using: &rng)
        damaged[index] ^= UInt8.random(in: 1...255, using: &rng)
      }
      if checkConsistent(damaged) { decoded += 1 }
    }
    // Flips in the data region leave a valid file: some decodes must happen.
    #expect(decoded > 0)
  }

  @Test("random edits of the header text throw PollenError or decode consistently")
  func headerTokenSoup() {
    let tokens = [
      "{", "}", "(", ")", "[", "]", ",", ":", " ", "'descr'", "'fortran_order'", "'shape'", "'<f4'",
      "'>i2'", "'|b1'", "True", "False", "None", "0", "1", "3", "-2", "+4", "1e3", "0x10", "1_0", "#",
      "\n", "'", "\"", "\\", "L", "99999999999999999999", "((", "))", "'O'", "[('a','<f4')]",
    ]
    var rng = SeededRandom(seed: 20_240_601)
    for _ in 0..<4000 {
      var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
      for _ in 0..<Int.random(in: 1...4, using: &rng) {
        var chars = Array(header)
        let at = Int.random(in: 0...chars.count, using: &rng)
        if Bool.random(using: &rng), at < chars.count {
          chars.removeSubrange(at..<min(chars.count, at + Int.random(in: 1...6, using: &rng)))
        } else {
          chars.insert(contentsOf: tokens.randomElement(using: &rng)!, at: at)
        }
        header = String(chars)
      }
      let data = npyFile(header: header, data: [UInt8](repeating: 0x3F, count: 24))
      checkConsistent(data)
    }
  }

  /// Decodes `data`; returns whether it decoded. Records an issue for a non-`PollenError` or an
  /// array whose byte count disagrees with its shape.
  @discardableResult
  private func checkConsistent(_ data: Data) -> Bool {
    do {
      let array = try NDArray(npy: data)
      let count = array.shape.reduce(1, *)
      #expect(array.bytes.count == count * array.dtype.itemSize)
      #expect(array.bytes.count <= data.count)
      _ = array.doubles()
      _ = array.npy()
      return true
    } catch let error as PollenError {
      #expect(error.code == .invalidTensor)
      return false
    } catch {
      Issue.record("threw \(type(of: error)): \(error)")
      return false
    }
  }
}

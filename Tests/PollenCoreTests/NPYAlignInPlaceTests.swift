import Foundation
import Testing

@testable import PollenCore

/// `NDArray.alignNPYDataInPlace` moves a `.npy` file's data into its header's padding so that
/// it is aligned where it lies; the file still decodes to the same array.
@Suite struct NPYAlignInPlaceTests {
  /// `file` copied to `offset` bytes past a 64-byte aligned address, aligned there in place;
  /// returns the new length and the array decoded from the file as it then is.
  func alignAt(_ offset: Int, _ file: Data) throws -> (length: Int?, array: NDArray, aligned: Bool) {
    let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: file.count + 64, alignment: 64)
    defer { raw.deallocate() }
    let region = UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + file.count)])
    file.withUnsafeBytes { region.copyMemory(from: $0) }
    let length = NDArray.alignNPYDataInPlace(region)
    let data = Data(
      bytesNoCopy: region.baseAddress!, count: length ?? file.count, deallocator: .none)
    let array = try NDArray(npy: data)
    // No copy: the array's bytes are the region's.
    let shared = array.bytes.withUnsafeBytes { bytes in
      bytes.baseAddress.map {
        $0 >= UnsafeRawPointer(region.baseAddress!) && $0 < UnsafeRawPointer(region.baseAddress! + file.count)
      }
        ?? true
    }
    return (length, array, shared)
  }

  @Test(arguments: 0..<8)
  func float32AndFloat64DataEndAlignedAndDecodeTheSame(offset: Int) throws {
    let arrays = [
      NDArray((0..<1000).map { Float($0) * 0.5 }, shape: [10, 100]),
      NDArray((0..<33).map { Double($0) - 16 }, shape: [33]),
      NDArray([Int16(-3), 7, 9], shape: [3]),
    ]
    for original in arrays {
      let file = original.npy()
      let (length, array, shared) = try alignAt(offset, file)
      #expect(array == original)
      #expect(shared, "the array was copied out at offset \(offset)")
      let item = original.dtype.itemSize
      // Moved exactly when the data was misaligned there (the file's data starts at 64 × n).
      let shift = offset % item
      #expect(length == (shift == 0 ? nil : file.count - shift), "offset \(offset), \(original.dtype)")
    }
  }

  @Test func aHeaderWithoutPaddingOrANonNPYFileIsLeftAsItIs() throws {
    // A hand-made v1.0 header with no spaces before its newline.
    let dict = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n".utf8)
    var file = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.count), 0] + dict)
    file.append(contentsOf: [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40])  // 1.0, 2.0
    for offset in 0..<4 {
      let (length, array, _) = try alignAt(offset, file)
      #expect(array == NDArray([Float(1), 2], shape: [2]))
      #expect(length == nil, "offset \(offset)")
    }
    var junk = [UInt8](repeating: 7, count: 100)
    junk.withUnsafeMutableBytes { #expect(NDArray.alignNPYDataInPlace($0) == nil) }
    #expect(junk == [UInt8](repeating: 7, count: 100))
  }
}

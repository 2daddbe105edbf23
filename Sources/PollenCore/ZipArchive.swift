#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Writes and reads uncompressed ("stored") ZIP archives — the container of numpy's `.npz`.
public enum ZipArchive {
  /// An archive holding `entries` in order, uncompressed, with CRC-32s (readable by `zipfile`
  /// and `numpy.load`). Entries must be smaller than 4 GiB (no ZIP64).
  public static func stored(_ entries: [(name: String, data: Data)]) -> Data {
    var out = Data()
    var central = Data()
    for (name, data) in entries {
      let nameBytes = Array(name.utf8)
      let crc = CRC32.checksum(data)
      let offset = UInt32(out.count)
      // Local file header.
      out.appendLE(UInt32(0x0403_4B50))
      out.appendLE(UInt16(20))  // version needed
      out.appendLE(UInt16(0))  // flags
      out.appendLE(UInt16(0))  // method: stored
      out.appendLE(UInt16(0))  // time
      out.appendLE(UInt16(0x21))  // date: 1980-01-01
      out.appendLE(crc)
      out.appendLE(UInt32(data.count))
      out.appendLE(UInt32(data.count))
      out.appendLE(UInt16(nameBytes.count))
      out.appendLE(UInt16(0))
      out.append(contentsOf: nameBytes)
      out.append(data)
      // Central directory record.
      central.appendLE(UInt32(0x0201_4B50))
      central.appendLE(UInt16(20))  // made by
      central.appendLE(UInt16(20))  // needed
      central.appendLE(UInt16(0))
      central.appendLE(UInt16(0))
      central.appendLE(UInt16(0))
      central.appendLE(UInt16(0x21))
      central.appendLE(crc)
      central.appendLE(UInt32(data.count))
      central.appendLE(UInt32(data.count))
      central.appendLE(UInt16(nameBytes.count))
      central.appendLE(UInt16(0))  // extra
      central.appendLE(UInt16(0))  // comment
      central.appendLE(UInt16(0))  // disk
      central.appendLE(UInt16(0))  // internal attributes
      central.appendLE(UInt32(0))  // external attributes
      central.appendLE(offset)
      central.append(contentsOf: nameBytes)
    }
    let centralOffset = UInt32(out.count)
    out.append(central)
    out.appendLE(UInt32(0x0605_4B50))
    out.appendLE(UInt16(0))
    out.appendLE(UInt16(0))
    out.appendLE(UInt16(entries.count))
    out.appendLE(UInt16(entries.count))
    out.appendLE(UInt32(central.count))
    out.appendLE(centralOffset)
    out.appendLE(UInt16(0))
    return out
  }

  /// The entries of a stored (uncompressed) archive, in order, ZIP64 sizes included (as
  /// `numpy.savez` writes them). Throws on anything else (e.g. `savez_compressed`).
  public static func readStored(_ archive: Data) throws -> [(name: String, data: Data)] {
    let bytes = [UInt8](archive)
    var entries: [(String, Data)] = []
    var i = 0
    func u16(_ p: Int) -> Int { Int(bytes[p]) | Int(bytes[p + 1]) << 8 }
    func u32(_ p: Int) -> Int { u16(p) | u16(p + 2) << 16 }
    while i + 30 <= bytes.count, u32(i) == 0x0403_4B50 {
      guard u16(i + 8) == 0 else { throw PollenError(.invalidArgument, "zip entry at \(i) is compressed") }
      var size = u32(i + 22)
      let nameLength = u16(i + 26)
      let extra = u16(i + 28)
      let start = i + 30 + nameLength + extra
      guard start <= bytes.count else {
        throw PollenError(.invalidArgument, "zip entry at \(i) is truncated")
      }
      if size == 0xFFFF_FFFF {
        // ZIP64 (numpy's savez writes every entry with force_zip64): the sizes are in the
        // extra field 0x0001, uncompressed size first.
        var p = i + 30 + nameLength
        var found = false
        while p + 4 <= start {
          let id = u16(p)
          let length = u16(p + 2)
          if id == 0x0001, length >= 8, p + 12 <= start {
            // A 64-bit size: anything beyond the bytes left is a truncated (or hostile) entry.
            let wide = UInt64(u32(p + 4)) | UInt64(u32(p + 8)) << 32
            guard wide <= UInt64(bytes.count - start) else {
              throw PollenError(
                .invalidArgument, "zip entry at \(i) claims \(wide) bytes, more than the archive holds")
            }
            size = Int(wide)
            found = true
            break
          }
          p += 4 + length
        }
        guard found else { throw PollenError(.invalidArgument, "zip entry at \(i) has no ZIP64 sizes") }
      }
      guard start + size <= bytes.count else {
        throw PollenError(.invalidArgument, "zip entry at \(i) is truncated")
      }
      let name = String(decoding: bytes[(i + 30)..<(i + 30 + nameLength)], as: UTF8.self)
      entries.append((name, Data(bytes[start..<(start + size)])))
      i = start + size
    }
    return entries
  }
}

/// CRC-32 (IEEE 802.3), as ZIP uses.
enum CRC32 {
  static let table: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func checksum(_ data: Data) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    data.withUnsafeBytes { raw in
      for b in raw { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    }
    return c ^ 0xFFFF_FFFF
  }
}

extension Data {
  mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
    Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
  }
}

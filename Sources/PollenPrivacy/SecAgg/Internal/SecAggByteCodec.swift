import PollenCore

/// Little-endian writer of SecAgg+ stage payloads.
struct SecAggByteWriter {
  private(set) var bytes: [UInt8] = []

  mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
  mutating func f64(_ v: Double) { u64(v.bitPattern) }
  /// `v` with a 4-byte length prefix.
  mutating func data(_ v: [UInt8]) {
    u32(UInt32(v.count))
    bytes += v
  }
}

/// Reader of what ``SecAggByteWriter`` wrote; every malformed input throws
/// `PollenError(.invalidMessage)`.
struct SecAggByteReader {
  private let bytes: [UInt8]
  private var offset = 0
  /// What is being read, for error messages.
  private let context: String

  init(_ bytes: [UInt8], context: String) {
    self.bytes = bytes
    self.context = context
  }

  private mutating func take(_ n: Int) throws(PollenError) -> ArraySlice<UInt8> {
    guard n >= 0, bytes.count - offset >= n else {
      throw PollenError(.invalidMessage, "SecAgg+ \(context): payload truncated at byte \(offset)")
    }
    defer { offset += n }
    return bytes[offset..<offset + n]
  }

  mutating func u32() throws(PollenError) -> UInt32 {
    try take(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
  }
  mutating func u64() throws(PollenError) -> UInt64 {
    try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
  }
  mutating func f64() throws(PollenError) -> Double { Double(bitPattern: try u64()) }
  mutating func data() throws(PollenError) -> [UInt8] { Array(try take(Int(try u32()))) }
  /// A count of items that each take at least `minimumItemBytes`, checked against what is left.
  mutating func count(minimumItemBytes: Int) throws(PollenError) -> Int {
    let n = Int(try u32())
    guard n <= (bytes.count - offset) / max(minimumItemBytes, 1) else {
      throw PollenError(.invalidMessage, "SecAgg+ \(context): \(n) items cannot fit in the payload")
    }
    return n
  }
  func finish() throws(PollenError) {
    guard offset == bytes.count else {
      throw PollenError(.invalidMessage, "SecAgg+ \(context): \(bytes.count - offset) trailing bytes")
    }
  }
}

/// An element of the prime field GF(p), p = 2⁵²¹ − 1 (a Mersenne prime), the field of
/// ``ShamirSecretSharing``: large enough that a 32-byte secret is one element.
///
/// Nine little-endian 64-bit limbs, always reduced (`0 ≤ value < p`); the top limb holds 9 bits.
struct Field521: Hashable, Sendable {
  static let limbCount = 9
  /// Bytes of an element's canonical encoding (⌈521 / 8⌉).
  static let byteCount = 66
  private static let topMask: UInt64 = (1 << 9) - 1

  private(set) var limbs: [UInt64]

  static let zero = Field521(unchecked: Array(repeating: 0, count: limbCount))
  static let one = Field521(small: 1)

  private init(unchecked limbs: [UInt64]) { self.limbs = limbs }

  init(small v: UInt64) {
    var l = Array(repeating: UInt64(0), count: Self.limbCount)
    l[0] = v
    self.limbs = l
  }

  /// The element with these little-endian bytes, or `nil` when they are not below p.
  init?(bytes: some Collection<UInt8>) {
    guard bytes.count <= Self.byteCount else { return nil }
    var l = Array(repeating: UInt64(0), count: Self.limbCount)
    for (i, b) in bytes.enumerated() { l[i / 8] |= UInt64(b) << (UInt64(i % 8) * 8) }
    guard l[8] <= Self.topMask, !Self.isP(l) else { return nil }
    self.limbs = l
  }

  /// The canonical 66-byte little-endian encoding.
  var bytes: [UInt8] {
    (0..<Self.byteCount).map { UInt8(truncatingIfNeeded: limbs[$0 / 8] >> (UInt64($0 % 8) * 8)) }
  }

  /// A uniformly random element.
  static func random(using rng: inout some RandomNumberGenerator) -> Field521 {
    while true {
      var l = (0..<limbCount).map { _ in rng.next() as UInt64 }
      l[8] &= topMask
      if !isP(l) { return Field521(unchecked: l) }
    }
  }

  private static func isP(_ l: [UInt64]) -> Bool {
    l[8] == topMask && l[0..<8].allSatisfy { $0 == .max }
  }

  /// Folds a value below 2⁵²² + small into [0, p).
  private static func reduce(_ l: inout [UInt64]) {
    // x = (x mod 2^521) + (x >> 521), twice, then subtract p once if needed.
    for _ in 0..<2 {
      let high = l[8] >> 9
      l[8] &= topMask
      var carry = high
      var i = 0
      while carry != 0 && i < limbCount {
        let (s, o) = l[i].addingReportingOverflow(carry)
        l[i] = s
        carry = o ? 1 : 0
        i += 1
      }
    }
    if isP(l) { l = Array(repeating: 0, count: limbCount) }
  }

  static func + (a: Field521, b: Field521) -> Field521 {
    var r = Array(repeating: UInt64(0), count: limbCount)
    var carry: UInt64 = 0
    for i in 0..<limbCount {
      let (s1, o1) = a.limbs[i].addingReportingOverflow(b.limbs[i])
      let (s2, o2) = s1.addingReportingOverflow(carry)
      r[i] = s2
      carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
    }
    reduce(&r)
    return Field521(unchecked: r)
  }

  /// −a = p − a.
  static prefix func - (a: Field521) -> Field521 {
    if a == .zero { return a }
    var r = Array(repeating: UInt64.max, count: limbCount)
    r[8] = topMask
    var borrow: UInt64 = 0
    for i in 0..<limbCount {
      let (d1, o1) = r[i].subtractingReportingOverflow(a.limbs[i])
      let (d2, o2) = d1.subtractingReportingOverflow(borrow)
      r[i] = d2
      borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
    }
    return Field521(unchecked: r)
  }

  static func - (a: Field521, b: Field521) -> Field521 { a + -b }

  static func * (a: Field521, b: Field521) -> Field521 {
    var wide = Array(repeating: UInt64(0), count: 2 * limbCount)
    for i in 0..<limbCount where a.limbs[i] != 0 {
      var carry: UInt64 = 0
      for j in 0..<limbCount {
        let (hi, lo) = a.limbs[i].multipliedFullWidth(by: b.limbs[j])
        let (s1, o1) = wide[i + j].addingReportingOverflow(lo)
        let (s2, o2) = s1.addingReportingOverflow(carry)
        wide[i + j] = s2
        carry = hi &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
      }
      wide[i + limbCount] = carry
    }
    // low = wide mod 2^521, high = wide >> 521 (both < 2^521); low + high < 2^522.
    var low = Array(wide[0..<limbCount])
    low[8] &= topMask
    var high = Array(repeating: UInt64(0), count: limbCount)
    for k in 0..<limbCount {
      let shifted = wide[8 + k] >> 9
      let next = 8 + k + 1 < wide.count ? wide[8 + k + 1] << 55 : 0
      high[k] = shifted | next
    }
    var r = Array(repeating: UInt64(0), count: limbCount)
    var carry: UInt64 = 0
    for i in 0..<limbCount {
      let (s1, o1) = low[i].addingReportingOverflow(high[i])
      let (s2, o2) = s1.addingReportingOverflow(carry)
      r[i] = s2
      carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
    }
    reduce(&r)
    return Field521(unchecked: r)
  }

  /// a⁻¹ = a^(p−2) (Fermat); the inverse of zero is zero.
  var inverse: Field521 {
    // p − 2 = 2^521 − 3: bits 0 and 2..520 set, bit 1 clear.
    var result = Field521.one
    var base = self
    for bit in 0..<521 {
      if bit != 1 { result = result * base }
      base = base * base
    }
    return result
  }
}

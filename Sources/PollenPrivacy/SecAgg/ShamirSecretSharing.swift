import PollenCore

/// Shamir's secret sharing of 32-byte secrets over the prime field GF(2⁵²¹ − 1), for SecAgg+'s
/// mask seeds and pairwise-mask private keys.
///
/// Flower (`flwr/common/secure_aggregation/crypto/shamir.py`) pads the secret and shares each
/// 16-byte chunk on its own with PyCryptodome's GF(2¹²⁸) Shamir; here the whole secret is one
/// field element (the field is larger than 2²⁵⁶), so one polynomial of degree `threshold − 1`
/// carries it and a share is one evaluation. Any `threshold` shares give the secret back; fewer
/// reveal nothing about it.
public enum ShamirSecretSharing {
  /// Bytes of a secret.
  public static let secretByteCount = 32

  /// One share: the holder's x-coordinate (non-zero) and the polynomial's value there.
  public struct Share: Sendable, Hashable {
    public var x: UInt32
    /// 66 little-endian bytes of a field element.
    public var y: [UInt8]

    public init(x: UInt32, y: [UInt8]) {
      self.x = x
      self.y = y
    }
  }

  /// Shares of `secret` (32 bytes) at the x-coordinates `holders` (distinct, non-zero), any
  /// `threshold` of which reconstruct it.
  ///
  /// - Throws: `PollenError(.invalidArgument)` for a secret of another length, a threshold
  ///   outside 1…holders.count, or repeated or zero x-coordinates.
  public static func split(
    _ secret: [UInt8], threshold: Int, holders: [UInt32]
  ) throws(PollenError) -> [Share] {
    var rng = SystemRandomNumberGenerator()
    return try split(secret, threshold: threshold, holders: holders, using: &rng)
  }

  /// ``split(_:threshold:holders:)`` with the polynomial's coefficients drawn from `rng`, which
  /// must be cryptographically secure outside tests.
  public static func split(
    _ secret: [UInt8], threshold: Int, holders: [UInt32], using rng: inout some RandomNumberGenerator
  ) throws(PollenError) -> [Share] {
    guard secret.count == secretByteCount, let s = Field521(bytes: secret) else {
      throw PollenError(
        .invalidArgument, "Shamir: a secret has \(secretByteCount) bytes, got \(secret.count)")
    }
    guard (1...max(holders.count, 1)).contains(threshold), !holders.isEmpty else {
      throw PollenError(
        .invalidArgument, "Shamir: threshold \(threshold) must be between 1 and the \(holders.count) holders")
    }
    guard Set(holders).count == holders.count, !holders.contains(0) else {
      throw PollenError(.invalidArgument, "Shamir: holders must be distinct and non-zero")
    }
    let coefficients = [s] + (1..<threshold).map { _ in Field521.random(using: &rng) }
    return holders.map { x in
      let fx = Field521(small: UInt64(x))
      // Horner: c0 + x(c1 + x(c2 + …)).
      var y = Field521.zero
      for c in coefficients.reversed() { y = y * fx + c }
      return Share(x: x, y: y.bytes)
    }
  }

  /// The secret from at least `threshold` shares (Lagrange interpolation at 0; all the shares
  /// given are used, so pass exactly `threshold` of them or more from honest holders).
  ///
  /// - Throws: `PollenError(.invalidMessage)` for no shares, repeated x-coordinates, malformed
  ///   values, or a result that is not a 32-byte secret (shares of different secrets).
  public static func combine(_ shares: [Share]) throws(PollenError) -> [UInt8] {
    guard !shares.isEmpty else { throw PollenError(.invalidMessage, "Shamir: no shares to combine") }
    guard Set(shares.map(\.x)).count == shares.count, !shares.contains(where: { $0.x == 0 }) else {
      throw PollenError(.invalidMessage, "Shamir: shares must have distinct non-zero x-coordinates")
    }
    var ys: [Field521] = []
    for share in shares {
      guard share.y.count == Field521.byteCount, let y = Field521(bytes: share.y) else {
        throw PollenError(.invalidMessage, "Shamir: share \(share.x) is not a field element")
      }
      ys.append(y)
    }
    let xs = shares.map { Field521(small: UInt64($0.x)) }
    var secret = Field521.zero
    for j in xs.indices {
      // L_j(0) = Π_{m≠j} x_m / (x_m − x_j).
      var numerator = Field521.one
      var denominator = Field521.one
      for m in xs.indices where m != j {
        numerator = numerator * xs[m]
        denominator = denominator * (xs[m] - xs[j])
      }
      secret = secret + ys[j] * numerator * denominator.inverse
    }
    let bytes = secret.bytes
    guard bytes[secretByteCount...].allSatisfy({ $0 == 0 }) else {
      throw PollenError(
        .invalidMessage, "Shamir: the shares do not combine to a \(secretByteCount)-byte secret")
    }
    return Array(bytes[0..<secretByteCount])
  }
}

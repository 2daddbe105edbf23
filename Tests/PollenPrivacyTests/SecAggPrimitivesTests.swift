import Crypto
import PollenCore
import Testing

@testable import PollenPrivacy

@Suite("SecAgg+ primitives")
struct SecAggPrimitivesTests {
  static func randomSecret() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }

  @Test("field arithmetic: inverses, negation and the modulus wrap")
  func field() throws {
    for v in [UInt64(1), 2, 3, 12345, .max] {
      let a = Field521(small: v)
      #expect(a * a.inverse == .one)
      #expect(a + -a == .zero)
    }
    // (p − 1)² = 1 (mod p).
    let minusOne = -Field521.one
    #expect(minusOne * minusOne == .one)
    #expect(Field521(bytes: minusOne.bytes) == minusOne)
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<20 {
      let a = Field521.random(using: &rng)
      let b = Field521.random(using: &rng)
      #expect((a + b) - b == a)
      #expect(a * b * b.inverse == a)
    }
  }

  @Test("Shamir: any threshold shares give the 32-byte secret back, fewer do not")
  func shamir() throws {
    for (threshold, holders) in [(2, [UInt32(1), 2, 3]), (3, [4, 9, 17, 23, 42]), (5, Array(1...9))] {
      let secret = Self.randomSecret()
      let shares = try ShamirSecretSharing.split(secret, threshold: threshold, holders: holders)
      #expect(shares.map(\.x) == holders)
      for _ in 0..<5 {
        let subset = Array(shares.shuffled().prefix(threshold))
        #expect(try ShamirSecretSharing.combine(subset) == secret)
      }
      #expect(try ShamirSecretSharing.combine(shares) == secret)
      let fewer = Array(shares.prefix(threshold - 1))
      #expect((try? ShamirSecretSharing.combine(fewer)) != secret)
    }
    // An all-ones secret (above 2²⁵⁵ − 19, where a Curve25519-sized field would fail) round-trips.
    let top = [UInt8](repeating: 0xFF, count: 32)
    #expect(
      try ShamirSecretSharing.combine(try ShamirSecretSharing.split(top, threshold: 2, holders: [1, 2]))
        == top)
    #expect(throws: PollenError.self) { try ShamirSecretSharing.split(top, threshold: 3, holders: [1, 2]) }
    #expect(throws: PollenError.self) { try ShamirSecretSharing.split(top, threshold: 2, holders: [1, 1]) }
    #expect(throws: PollenError.self) { try ShamirSecretSharing.split([1, 2], threshold: 1, holders: [1]) }
  }

  @Test("masks: full-seed ChaCha20 keystream, uniform below the modulus, add then subtract is identity")
  func masks() {
    let a = SymmetricKey(size: .bits256)
    let b = SymmetricKey(size: .bits256)
    for modulus in [UInt64(1) << 32, 1 << 20, 1 << 40] {
      let original = (0..<1000).map { UInt64($0) % modulus }
      var v = original
      SecAggPlusMasks.apply(seed: a, .add, to: &v, modulus: modulus)
      #expect(v != original && v.allSatisfy { $0 < modulus })
      SecAggPlusMasks.apply(seed: a, .subtract, to: &v, modulus: modulus)
      #expect(v == original)
    }
    let ma = SecAggPlusMasks.mask(seed: a, count: 4096, modulus: 1 << 32)
    #expect(ma == SecAggPlusMasks.mask(seed: a, count: 4096, modulus: 1 << 32))
    #expect(ma != SecAggPlusMasks.mask(seed: b, count: 4096, modulus: 1 << 32))
    let mean = ma.reduce(0.0) { $0 + Double($1) } / Double(ma.count) / Double(UInt64(1) << 32)
    #expect(abs(mean - 0.5) < 0.03)
  }

  @Test("quantization: stochastic rounding is unbiased and the average inverts it")
  func quantization() {
    var rng = SystemRandomNumberGenerator()
    let values = (0..<2000).map { _ in Double.random(in: -1...1) }
    let q = SecAggPlusQuantization.quantize(values, clippingRange: 8, quantizationRange: 1 << 22, using: &rng)
    let step = 16.0 / Double(1 << 22)
    for (x, v) in zip(values, q) { #expect(abs(Double(v) * step - 8 - x) <= step) }
    // Clipping at ±clipping_range maps to the ends of [0, Q].
    #expect(
      SecAggPlusQuantization.quantize([-100, 100], clippingRange: 8, quantizationRange: 1 << 22, using: &rng)
        == [
          0, 1 << 22,
        ])
    #expect(
      SecAggPlusQuantization.quantizedWeight(numExamples: 500, maxWeight: 1000, quantizationRange: 1 << 22)
        == 1 << 21)
    // Two clients at weight 1/2 each: the average of 0.5 and −0.25 is 0.125.
    let w = UInt64(1 << 21)
    let a = SecAggPlusQuantization.quantize([0.25], clippingRange: 8, quantizationRange: 1 << 22, using: &rng)
    let b = SecAggPlusQuantization.quantize(
      [-0.125], clippingRange: 8, quantizationRange: 1 << 22, using: &rng)
    let avg = SecAggPlusQuantization.average(
      sum: [2 * w, a[0] + b[0]], contributors: 2, clippingRange: 8, quantizationRange: 1 << 22)
    #expect(abs(avg.values[0] - 0.125) < 2e-5)
    #expect(avg.totalWeight == 1)
  }

  @Test("stage payloads round-trip and refuse truncation")
  func messages() throws {
    let setup = SecAggPlusMessages.SetupRequest(
      secureID: 3, sampleCount: 10, numShares: 5, threshold: 3, clippingRange: 8, quantizationRange: 1 << 22,
      modulusRange: 1 << 32, maxWeight: 1000)
    #expect(try SecAggPlusMessages.SetupRequest(decoding: setup.encoded) == setup)
    let keys = SecAggPlusMessages.ShareKeysRequest(keys: [
      .init(id: 1, pk1: [1, 2], pk2: [3]), .init(id: 2, pk1: [], pk2: [9]),
    ])
    #expect(try SecAggPlusMessages.ShareKeysRequest(decoding: keys.encoded) == keys)
    let layout = SecAggPlusMessages.CollectReply(
      shapes: [[3, 4], [], [5]], dtypes: [.float32, .float64, .float16])
    #expect(try SecAggPlusMessages.CollectReply(decoding: layout.encoded) == layout)
    let unmask = SecAggPlusMessages.UnmaskRequest(active: [1, 2, 3], dead: [7])
    #expect(try SecAggPlusMessages.UnmaskRequest(decoding: unmask.encoded) == unmask)
    let reply = SecAggPlusMessages.UnmaskReply(shares: [(4, .init(x: 2, y: [1, 2, 3]))])
    #expect(try SecAggPlusMessages.UnmaskReply(decoding: reply.encoded) == reply)
    #expect(throws: PollenError.self) {
      try SecAggPlusMessages.SetupRequest(decoding: Array(setup.encoded.dropLast()))
    }
    #expect(throws: PollenError.self) {
      try SecAggPlusMessages.UnmaskRequest(decoding: [0xFF, 0xFF, 0xFF, 0x7F])
    }
  }

  @Test("share bundles authenticate their session, source and destination")
  func shareEncryption() throws {
    let u = Curve25519.KeyAgreement.PrivateKey()
    let v = Curve25519.KeyAgreement.PrivateKey()
    let kuv = try SecAggPlusKeyAgreement.sharedKey(
      u, Array(v.publicKey.rawRepresentation), session: "s", purpose: .shareEncryption)
    let kvu = try SecAggPlusKeyAgreement.sharedKey(
      v, Array(u.publicKey.rawRepresentation), session: "s", purpose: .shareEncryption)
    #expect(kuv == kvu)
    let mask = try SecAggPlusKeyAgreement.sharedKey(
      u, Array(v.publicKey.rawRepresentation), session: "s", purpose: .pairwiseMask)
    #expect(mask != kuv)
    let share = ShamirSecretSharing.Share(x: 2, y: [UInt8](repeating: 7, count: 66))
    let sealed = try SecAggPlusKeyAgreement.sealShares(
      seedShare: share, keyShare: share, key: kuv, session: "s", src: 1, dst: 2)
    #expect(
      try SecAggPlusKeyAgreement.openShares(sealed, key: kvu, session: "s", src: 1, dst: 2).seed == share)
    #expect(throws: PollenError.self) {
      try SecAggPlusKeyAgreement.openShares(sealed, key: kvu, session: "s", src: 3, dst: 2)
    }
    #expect(throws: PollenError.self) {
      try SecAggPlusKeyAgreement.openShares(sealed, key: kvu, session: "other", src: 1, dst: 2)
    }
  }
}

import Crypto
import Foundation

/// The masks of SecAgg+: vectors of integers uniform in [0, modulus), expanded from a 256-bit
/// seed by a cryptographic PRG.
///
/// Flower (`pseudo_rand_gen` in `flwr/common/secure_aggregation/secaggplus_utils.py`) folds the
/// 32-byte seed to 32 bits to seed numpy's Mersenne Twister, so a mask has at most 2³² values
/// and is predictable from a few outputs. Here the PRG is the ChaCha20 keystream (the
/// ciphertext of zeros under `ChaChaPoly` with a zero nonce; the Poly1305 tag is dropped) keyed
/// with the whole seed run through HKDF-SHA256, so masks are as strong as the seed. `modulus`
/// is a power of two, so taking the low bits of each keystream word is uniform.
public enum SecAggPlusMasks {
  /// Whether a mask is added or subtracted.
  public enum Sign: Sendable {
    case add, subtract
  }

  /// Adds (or subtracts) the mask of `seed` to `vector`, modulo `modulus` (a power of two
  /// ≤ 2⁶³); elements stay below `modulus`.
  public static func apply(
    seed: SymmetricKey, _ sign: Sign, to vector: inout [UInt64], modulus: UInt64
  ) {
    precondition(modulus > 1 && modulus & (modulus - 1) == 0, "modulus must be a power of two")
    let wide = modulus > 1 << 32
    let width = wide ? 8 : 4
    let keystream = self.keystream(seed: seed, bytes: vector.count * width)
    let mask = modulus - 1
    keystream.withUnsafeBytes { raw in
      for i in vector.indices {
        let word: UInt64 =
          wide
          ? UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
          : UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        switch sign {
        case .add: vector[i] = (vector[i] &+ word) & mask
        case .subtract: vector[i] = (vector[i] &- word) & mask
        }
      }
    }
  }

  /// The mask itself (the zero vector with the mask added).
  public static func mask(seed: SymmetricKey, count: Int, modulus: UInt64) -> [UInt64] {
    var v = [UInt64](repeating: 0, count: count)
    apply(seed: seed, .add, to: &v, modulus: modulus)
    return v
  }

  /// `bytes` bytes of ChaCha20 keystream under a key derived from `seed`.
  static func keystream(seed: SymmetricKey, bytes: Int) -> Data {
    let key = HKDF<SHA256>.deriveKey(
      inputKeyMaterial: seed, info: Array("pollen.secagg+ mask prg".utf8), outputByteCount: 32)
    // A fresh key for every seed, so the fixed nonce never repeats under one key.
    let nonce = try! ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12))
    let sealed = try! ChaChaPoly.seal(Data(count: bytes), using: key, nonce: nonce)
    return sealed.ciphertext
  }
}

import Crypto
import Foundation
import PollenCore

/// Key agreement and share encryption of SecAgg+: X25519 (`Curve25519.KeyAgreement`) shared
/// secrets stretched by HKDF-SHA256, salted with the round's session id and labelled by purpose;
/// share bundles sealed with ChaChaPoly (random nonce, the session and both ids authenticated).
/// Flower's counterpart: `flwr/common/secure_aggregation/crypto/symmetric_encryption.py`
/// (ECDH on SECP384R1, HKDF, Fernet).
enum SecAggPlusKeyAgreement {
  /// What a shared key is for: the two never coincide.
  enum Purpose: String {
    case pairwiseMask = "pollen.secagg+ pairwise mask"
    case shareEncryption = "pollen.secagg+ share encryption"
  }

  /// The key `privateKey` shares with the owner of `publicKey` (raw 32 bytes) in `session`.
  static func sharedKey(
    _ privateKey: Curve25519.KeyAgreement.PrivateKey, _ publicKey: [UInt8], session: String, purpose: Purpose
  ) throws(PollenError) -> SymmetricKey {
    do {
      let peer = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: publicKey)
      let secret = try privateKey.sharedSecretFromKeyAgreement(with: peer)
      return secret.hkdfDerivedSymmetricKey(
        using: SHA256.self, salt: Array(session.utf8), sharedInfo: Array(purpose.rawValue.utf8),
        outputByteCount: 32)
    } catch {
      throw PollenError(.invalidMessage, "SecAgg+: key agreement with an invalid public key failed")
    }
  }

  /// The associated data of a share bundle from `src` to `dst`.
  private static func context(session: String, src: UInt32, dst: UInt32) -> [UInt8] {
    var w = SecAggByteWriter()
    w.data(Array(session.utf8))
    w.u32(src)
    w.u32(dst)
    return w.bytes
  }

  /// Seals the shares of `src` for `dst`: seed share, then key share.
  static func sealShares(
    seedShare: ShamirSecretSharing.Share, keyShare: ShamirSecretSharing.Share, key: SymmetricKey,
    session: String, src: UInt32, dst: UInt32
  ) throws(PollenError) -> [UInt8] {
    var w = SecAggByteWriter()
    for share in [seedShare, keyShare] {
      w.u32(share.x)
      w.data(share.y)
    }
    do {
      let box = try ChaChaPoly.seal(
        w.bytes, using: key, authenticating: context(session: session, src: src, dst: dst))
      return Array(box.combined)
    } catch {
      throw PollenError(.internalError, "SecAgg+: sealing a share bundle failed: \(error)")
    }
  }

  /// Opens a bundle sealed by ``sealShares(seedShare:keyShare:key:session:src:dst:)``.
  static func openShares(
    _ bytes: [UInt8], key: SymmetricKey, session: String, src: UInt32, dst: UInt32
  ) throws(PollenError) -> (seed: ShamirSecretSharing.Share, key: ShamirSecretSharing.Share) {
    let plain: Data
    do {
      let box = try ChaChaPoly.SealedBox(combined: bytes)
      plain = try ChaChaPoly.open(
        box, using: key, authenticating: context(session: session, src: src, dst: dst))
    } catch {
      throw PollenError(
        .invalidMessage,
        "SecAgg+: the share bundle from client \(src) does not authenticate (forged or misrouted)")
    }
    var r = SecAggByteReader(Array(plain), context: "share bundle")
    let seed = ShamirSecretSharing.Share(x: try r.u32(), y: try r.data())
    let keyShare = ShamirSecretSharing.Share(x: try r.u32(), y: try r.data())
    try r.finish()
    return (seed, keyShare)
  }
}

import Crypto

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The signed headers every Fleet call of a Flower 1.41 SuperNode carries, checked as the
/// SuperLink checks them on every call, even `--insecure` (`flwr/superlink/routers/fleet/node_auth.py`):
/// `flwr-public-key` is the base64 of the node's PEM public key (SECP384R1), `flwr-timestamp` an
/// ISO-8601 time no more than 5 s ahead and 305 s behind, and `flwr-signature` the base64 of a
/// DER ECDSA-SHA256 signature of that timestamp's ASCII bytes. Any failure is 401 ("Invalid
/// SuperNode authentication"), which makes the node stop itself.
enum FleetNodeAuth {
  static let publicKeyHeader = "flwr-public-key"
  static let timestampHeader = "flwr-timestamp"
  static let signatureHeader = "flwr-signature"
  /// `SYSTEM_TIME_TOLERANCE` (`flwr/common/constant.py`).
  static let systemTimeTolerance = 5.0
  /// `TIMESTAMP_TOLERANCE + SYSTEM_TIME_TOLERANCE`.
  static let maxAge = 305.0

  /// The 401 every refusal is.
  static let refusal = FleetError(status: 401, code: 401, detail: "Invalid SuperNode authentication")
  /// Registering a key that is not on the allow-list: Flower's
  /// `FLEET_SUPERNODE_REGISTRATION_DISABLED` status (412, `flwr/supercore/error/catalog.py`),
  /// with Pollen's reason.
  static let notAuthorized = FleetError(
    status: 412, code: 412,
    detail:
      "SuperNode authentication is enabled: this SuperNode's public key is not in the server's authorised keys (--auth-keys)"
  )

  /// The public key (the PEM bytes, as register-node and activate-node carry it) the headers
  /// prove possession of at `now` (Unix seconds).
  static func verify(_ headers: [String: String], now: Double) -> Result<[UInt8], FleetError> {
    guard let keyField = headers[publicKeyHeader], let keyBytes = Data(base64Encoded: keyField),
      let timestamp = headers[timestampHeader],
      let signatureField = headers[signatureHeader], let signatureBytes = Data(base64Encoded: signatureField)
    else { return .failure(refusal) }
    guard let time = FleetTimestamp.parse(timestamp), case let age = now - time,
      age > -systemTimeTolerance, age < maxAge
    else { return .failure(refusal) }
    guard let key = try? P384.Signing.PublicKey(pemRepresentation: String(decoding: keyBytes, as: UTF8.self)),
      let signature = try? P384.Signing.ECDSASignature(derRepresentation: signatureBytes),
      key.isValidSignature(signature, for: SHA256.hash(data: Array(timestamp.utf8)))
    else { return .failure(refusal) }
    return .success([UInt8](keyBytes))
  }
}

import Crypto
import PollenCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A node's identity key: NIST P-384, as Flower's SuperNodes use
/// (`flwr/supercore/primitives/asymmetric.py`: `ec.SECP384R1()`, ECDSA with SHA-256).
///
/// Files are what `ssh-keygen -t ecdsa -b 384` writes and Flower reads: the private key in
/// OpenSSH format (`flower-supernode --auth-supernode-private-key` loads it with
/// `load_ssh_private_key`; PKCS#8 and SEC1 PEM are read too), the public key as one SSH line
/// (`flwr supernode register` loads it with `load_ssh_public_key`).
public struct NodePrivateKey: Sendable {
  let key: P384.Signing.PrivateKey

  /// A fresh random key.
  public static func generate() -> NodePrivateKey { NodePrivateKey(key: P384.Signing.PrivateKey()) }

  init(key: P384.Signing.PrivateKey) { self.key = key }

  /// Reads an OpenSSH (`-----BEGIN OPENSSH PRIVATE KEY-----`, unencrypted), PKCS#8
  /// (`BEGIN PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`) P-384 key.
  ///
  /// - Throws: `PollenError` `invalidArgument` naming what is wrong.
  public init(fileContents text: String) throws {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") {
      key = try OpenSSHKeyFormat.readPrivateKey(trimmed)
    } else {
      do {
        key = try P384.Signing.PrivateKey(pemRepresentation: trimmed)
      } catch {
        throw PollenError(
          .invalidArgument, "not a P-384 private key (OpenSSH, PKCS#8 or SEC1 PEM): \(error)")
      }
    }
  }

  /// The public half.
  public var publicKey: NodePublicKey { NodePublicKey(key: key.publicKey) }

  /// The key in OpenSSH format, as `ssh-keygen` writes it (unencrypted).
  public func openSSHRepresentation(comment: String = "") -> String {
    OpenSSHKeyFormat.writePrivateKey(key, comment: comment)
  }

  /// ECDSA over SHA-256 of `message`, DER-encoded (as Python `cryptography` signs).
  public func signature(for message: some DataProtocol) throws -> [UInt8] {
    [UInt8](try key.signature(for: SHA256.hash(data: message)).derRepresentation)
  }
}

/// The public half of a ``NodePrivateKey``.
public struct NodePublicKey: Sendable, Hashable, CustomStringConvertible {
  let key: P384.Signing.PublicKey

  init(key: P384.Signing.PublicKey) { self.key = key }

  /// Parses one SSH public-key line (`ecdsa-sha2-nistp384 AAAA… [comment]`).
  ///
  /// - Throws: `PollenError` `invalidArgument` for another key type or a malformed line.
  public init(sshLine line: String) throws {
    key = try OpenSSHKeyFormat.readPublicKeyLine(line)
  }

  /// Parses a PEM SubjectPublicKeyInfo (what Flower sends in `flwr-public-key-bin`).
  public init(pem: some DataProtocol) throws {
    guard let text = String(bytes: pem, encoding: .utf8) else {
      throw PollenError(.invalidArgument, "public key is not PEM text")
    }
    do {
      key = try P384.Signing.PublicKey(pemRepresentation: text)
    } catch {
      throw PollenError(.invalidArgument, "not a P-384 public key: \(error)")
    }
  }

  /// The key as one SSH line, as `ssh-keygen` writes `node_key.pub`.
  public func sshLine(comment: String = "") -> String {
    let line = "\(OpenSSHKeyFormat.keyType) \(Data(OpenSSHKeyFormat.publicBlob(key)).base64EncodedString())"
    return comment.isEmpty ? line : "\(line) \(comment)"
  }

  /// PEM SubjectPublicKeyInfo bytes, as Flower's `public_key_to_bytes` writes them.
  public var pemBytes: [UInt8] { Array(key.pemRepresentation.utf8) }

  /// `SHA256:` and the unpadded base64 SHA-256 of the SSH key blob, as `ssh-keygen -l` prints.
  public var fingerprint: String {
    let digest = Data(SHA256.hash(data: OpenSSHKeyFormat.publicBlob(key))).base64EncodedString()
    return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
  }

  public var description: String { fingerprint }

  /// Whether `signature` (DER) is this key's ECDSA-SHA256 signature of `message`.
  public func isValidSignature(_ signature: some DataProtocol, for message: some DataProtocol) -> Bool {
    guard let parsed = try? P384.Signing.ECDSASignature(derRepresentation: signature) else { return false }
    return key.isValidSignature(parsed, for: SHA256.hash(data: message))
  }

  public static func == (a: Self, b: Self) -> Bool { a.key.x963Representation == b.key.x963Representation }
  public func hash(into hasher: inout Hasher) { hasher.combine(key.x963Representation) }
}

/// OpenSSH's key encodings for `ecdsa-sha2-nistp384` (RFC 5656 §3.1, PROTOCOL.key).
enum OpenSSHKeyFormat {
  static let keyType = "ecdsa-sha2-nistp384"
  static let curve = "nistp384"
  private static let magic = Array("openssh-key-v1".utf8) + [0]
  private static let begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
  private static let end = "-----END OPENSSH PRIVATE KEY-----"

  static func publicBlob(_ key: P384.Signing.PublicKey) -> [UInt8] {
    var w = Writer()
    w.string(keyType)
    w.string(curve)
    w.string([UInt8](key.x963Representation))
    return w.bytes
  }

  static func readPublicKeyLine(_ line: String) throws -> P384.Signing.PublicKey {
    let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard fields.count >= 2 else { throw PollenError(.invalidArgument, "not an SSH public-key line") }
    guard fields[0] == keyType else {
      throw PollenError(.invalidArgument, "key type \(fields[0]) is not \(keyType) (Flower's NIST P-384)")
    }
    guard let blob = Data(base64Encoded: String(fields[1])) else {
      throw PollenError(.invalidArgument, "the key is not base64")
    }
    var r = Reader(bytes: [UInt8](blob))
    guard try r.text() == keyType, try r.text() == curve else {
      throw PollenError(.invalidArgument, "the key blob is not \(keyType)")
    }
    return try point(r.string())
  }

  static func writePrivateKey(_ key: P384.Signing.PrivateKey, comment: String) -> String {
    let blob = publicBlob(key.publicKey)
    var inner = Writer()
    let check = UInt32.random(in: .min ... .max)
    inner.uint32(check)
    inner.uint32(check)
    inner.string(keyType)
    inner.string(curve)
    inner.string([UInt8](key.publicKey.x963Representation))
    inner.mpint([UInt8](key.rawRepresentation))
    inner.string(comment)
    var pad: UInt8 = 1
    while inner.bytes.count % 8 != 0 {
      inner.bytes.append(pad)
      pad += 1
    }
    var w = Writer()
    w.bytes += magic
    w.string("none")
    w.string("none")
    w.string([UInt8]())
    w.uint32(1)
    w.string(blob)
    w.string(inner.bytes)
    let base64 = Data(w.bytes).base64EncodedString()
    var lines = [begin]
    var rest = Substring(base64)
    while !rest.isEmpty {
      lines.append(String(rest.prefix(70)))
      rest = rest.dropFirst(70)
    }
    lines.append(end)
    return lines.joined(separator: "\n") + "\n"
  }

  static func readPrivateKey(_ text: String) throws -> P384.Signing.PrivateKey {
    let body = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty && !$0.hasPrefix("-----") }.joined()
    guard let data = Data(base64Encoded: body) else {
      throw PollenError(.invalidArgument, "the OpenSSH private key is not base64")
    }
    var r = Reader(bytes: [UInt8](data))
    guard try r.take(magic.count) == magic else {
      throw PollenError(.invalidArgument, "not an openssh-key-v1 private key")
    }
    guard try r.text() == "none", try r.text() == "none" else {
      throw PollenError(.invalidArgument, "the private key is encrypted (use one without a passphrase)")
    }
    _ = try r.string()  // kdf options
    guard try r.uint32() == 1 else { throw PollenError(.invalidArgument, "the file holds more than one key") }
    _ = try r.string()  // public key blob
    var inner = Reader(bytes: try r.string())
    guard try inner.uint32() == inner.uint32() else {
      throw PollenError(.invalidArgument, "the private key's check numbers differ (corrupt file)")
    }
    guard try inner.text() == keyType else {
      throw PollenError(.invalidArgument, "the private key is not \(keyType) (Flower's NIST P-384)")
    }
    guard try inner.text() == curve else {
      throw PollenError(.invalidArgument, "the key's curve is not nistp384")
    }
    let publicPoint = try inner.string()
    var scalar = try inner.string()
    while scalar.count > 48, scalar.first == 0 { scalar.removeFirst() }
    guard scalar.count <= 48 else { throw PollenError(.invalidArgument, "the private scalar is too long") }
    scalar = [UInt8](repeating: 0, count: 48 - scalar.count) + scalar
    let key: P384.Signing.PrivateKey
    do {
      key = try P384.Signing.PrivateKey(rawRepresentation: scalar)
    } catch {
      throw PollenError(.invalidArgument, "the private scalar is not a P-384 key: \(error)")
    }
    guard [UInt8](key.publicKey.x963Representation) == publicPoint else {
      throw PollenError(.invalidArgument, "the private key does not match its public key")
    }
    return key
  }

  private static func point(_ bytes: [UInt8]) throws -> P384.Signing.PublicKey {
    do {
      return try P384.Signing.PublicKey(x963Representation: bytes)
    } catch {
      throw PollenError(.invalidArgument, "the key is not a P-384 point: \(error)")
    }
  }

  private struct Writer {
    var bytes: [UInt8] = []
    mutating func uint32(_ v: UInt32) { bytes += withUnsafeBytes(of: v.bigEndian, Array.init) }
    mutating func string(_ s: [UInt8]) {
      uint32(UInt32(s.count))
      bytes += s
    }
    mutating func string(_ s: String) { string(Array(s.utf8)) }
    mutating func mpint(_ magnitude: [UInt8]) {
      var m = Array(magnitude.drop(while: { $0 == 0 }))
      if let first = m.first, first & 0x80 != 0 { m.insert(0, at: 0) }
      string(m)
    }
  }

  private struct Reader {
    let bytes: [UInt8]
    var index = 0
    init(bytes: [UInt8]) { self.bytes = bytes }
    mutating func take(_ n: Int) throws -> [UInt8] {
      guard n >= 0, n <= bytes.count - index else {
        throw PollenError(.invalidArgument, "the key is truncated")
      }
      defer { index += n }
      return Array(bytes[index..<(index + n)])
    }
    mutating func uint32() throws -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func string() throws -> [UInt8] { try take(Int(uint32())) }
    mutating func text() throws -> String { String(decoding: try string(), as: UTF8.self) }
  }
}

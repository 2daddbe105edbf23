import GRPCCore
import PollenCore
import Synchronization

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// Flower's SuperNode authentication metadata, carried on every `Join` stream.
///
/// As in Flower 1.41 (`flwr/common/constant.py`, `node_auth_server_interceptor.py`): the node's
/// public key as PEM SubjectPublicKeyInfo in `flwr-public-key-bin`, the current time as Python's
/// `datetime.now(tz=UTC).isoformat()` in `flwr-timestamp`, and the DER ECDSA-SHA256 signature of
/// that timestamp string in `flwr-signature-bin`. A timestamp is accepted when its age is within
/// (−5 s, 305 s).
public enum NodeAuth {
  public static let publicKeyHeader = "flwr-public-key-bin"
  public static let timestampHeader = "flwr-timestamp"
  public static let signatureHeader = "flwr-signature-bin"
  /// Flower's `SYSTEM_TIME_TOLERANCE`: how far in the future a timestamp may be.
  public static let systemTimeTolerance = 5.0
  /// Flower's `TIMESTAMP_TOLERANCE` + `SYSTEM_TIME_TOLERANCE`: how old a timestamp may be.
  public static let maxAge = 305.0

  /// The three headers, signed by `key` at `time` (seconds since 1970).
  public static func metadata(signedBy key: NodePrivateKey, at time: Double = now()) throws -> Metadata {
    let timestamp = isoformat(time)
    var metadata = Metadata()
    metadata.addBinary(key.publicKey.pemBytes, forKey: publicKeyHeader)
    metadata.addString(timestamp, forKey: timestampHeader)
    metadata.addBinary(try key.signature(for: Array(timestamp.utf8)), forKey: signatureHeader)
    return metadata
  }

  /// Seconds since 1970, now.
  public static func now() -> Double { Date().timeIntervalSince1970 }

  /// `time` as Python's `datetime.isoformat()` of an aware UTC datetime:
  /// `2026-12-01T18:40:12.123456+00:00`.
  public static func isoformat(_ time: Double) -> String {
    let micros = Int64((time * 1_000_000).rounded(.down))
    let seconds = micros.quotientFloorDivided(by: 1_000_000)
    let fraction = micros - seconds * 1_000_000
    let days = seconds.quotientFloorDivided(by: 86_400)
    let secondOfDay = seconds - days * 86_400
    let (y, m, d) = civil(fromDays: days)
    func pad(_ v: Int64, _ width: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return
      "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 6))+00:00"
  }

  /// Parses an ISO-8601 timestamp with a time zone (`Z` or `±HH:MM`), as Python's
  /// `datetime.fromisoformat` reads Flower's; `nil` for anything else (a naive timestamp too:
  /// Flower's server cannot compare it with its aware clock either).
  public static func parseTimestamp(_ text: String) -> Double? {
    let b = Array(text.utf8)
    var i = 0
    func digits(_ n: Int) -> Int64? {
      guard i + n <= b.count else { return nil }
      var v: Int64 = 0
      for c in b[i..<(i + n)] {
        guard c >= 48 && c <= 57 else { return nil }
        v = v * 10 + Int64(c - 48)
      }
      i += n
      return v
    }
    func expect(_ c: UInt8) -> Bool {
      guard i < b.count, b[i] == c else { return false }
      i += 1
      return true
    }
    guard let y = digits(4), expect(45), let mo = digits(2), expect(45), let d = digits(2),
      i < b.count, b[i] == 84 || b[i] == 32
    else { return nil }
    i += 1
    guard let h = digits(2), expect(58), let mi = digits(2), expect(58), let s = digits(2) else { return nil }
    guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 60 else { return nil }
    var fraction = 0.0
    if i < b.count, b[i] == 46 || b[i] == 44 {
      i += 1
      var scale = 0.1
      let start = i
      while i < b.count, b[i] >= 48 && b[i] <= 57 {
        fraction += Double(b[i] - 48) * scale
        scale /= 10
        i += 1
      }
      guard i > start else { return nil }
    }
    guard i < b.count else { return nil }  // naive
    var offset: Int64 = 0
    if b[i] == 90 {
      i += 1
    } else if b[i] == 43 || b[i] == 45 {
      let sign: Int64 = b[i] == 45 ? -1 : 1
      i += 1
      guard let oh = digits(2) else { return nil }
      _ = expect(58)
      guard let om = digits(2), oh < 24, om < 60 else { return nil }
      offset = sign * (oh * 3600 + om * 60)
    } else {
      return nil
    }
    guard i == b.count else { return nil }
    let days = daysFromCivil(y, mo, d)
    return Double(days * 86_400 + h * 3600 + mi * 60 + s - offset) + fraction
  }

  // Howard Hinnant's civil-calendar algorithms.
  private static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y0 - 1 : y0
    let era = y.quotientFloorDivided(by: 400)
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
    let z = z0 + 719_468
    let era = z.quotientFloorDivided(by: 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
  }
}

extension Int64 {
  fileprivate func quotientFloorDivided(by d: Int64) -> Int64 {
    let q = self / d
    return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
  }
}

/// Admits a stream only if its ``NodeAuth`` metadata names an authorised key, carries that key's
/// signature of a fresh timestamp, and is not a replay.
///
/// Flower signs only the timestamp, so captured headers stay valid for five minutes; this also
/// refuses a (key, timestamp) pair it has already accepted while that timestamp is fresh.
/// The authorised keys can be replaced at any time (``replaceKeys(_:)``, e.g. on SIGHUP).
public final class NodeAuthenticator: Sendable {
  /// Why a stream was refused.
  public struct Refusal: Error, Sendable, CustomStringConvertible {
    /// A short reason (also the metrics label): `missing`, `malformed key`, `unknown key`,
    /// `bad signature`, `stale timestamp`, `replay`.
    public let reason: String
    /// The key's fingerprint, when the key could be read.
    public let fingerprint: String?
    public var description: String { fingerprint.map { "\(reason) (key \($0))" } ?? reason }
  }

  private struct State {
    var keys: Set<NodePublicKey>
    /// Accepted (fingerprint, timestamp) pairs and when they stop being fresh.
    var seen: [String: Double] = [:]
    var nextPrune = 0.0
  }

  private let state: Mutex<State>

  public init(authorizedKeys: Set<NodePublicKey>) {
    state = Mutex(State(keys: authorizedKeys))
  }

  /// The keys admitted now.
  public var authorizedKeys: Set<NodePublicKey> { state.withLock { $0.keys } }

  /// Replaces the authorised keys (streams already admitted stay).
  public func replaceKeys(_ keys: Set<NodePublicKey>) { state.withLock { $0.keys = keys } }

  /// Reads an authorised-keys file: one SSH public-key line per key; blank lines and lines
  /// starting with `#` are skipped.
  ///
  /// - Throws: `PollenError` `invalidArgument` naming the file and line of a bad key.
  public static func loadKeys(path: String) throws -> Set<NodePublicKey> {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw PollenError(.invalidArgument, "cannot read the authorised keys \(path): \(error)")
    }
    var keys = Set<NodePublicKey>()
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      do {
        keys.insert(try NodePublicKey(sshLine: trimmed))
      } catch {
        throw PollenError(.invalidArgument, "\(path):\(number + 1): \(error)")
      }
    }
    return keys
  }

  /// Checks a stream's metadata at `now` (seconds since 1970); on success the pair is
  /// remembered (a second use is a replay).
  public func verify(_ metadata: Metadata, now: Double = NodeAuth.now()) -> Result<NodePublicKey, Refusal> {
    let pem = metadata[binaryValues: NodeAuth.publicKeyHeader].first { _ in true }
    let timestamp = metadata[stringValues: NodeAuth.timestampHeader].first { _ in true }
    let signature = metadata[binaryValues: NodeAuth.signatureHeader].first { _ in true }
    guard let pem, let timestamp, let signature else {
      return .failure(Refusal(reason: "missing", fingerprint: nil))
    }
    guard let key = try? NodePublicKey(pem: pem) else {
      return .failure(Refusal(reason: "malformed key", fingerprint: nil))
    }
    let fingerprint = key.fingerprint
    guard state.withLock({ $0.keys.contains(key) }) else {
      return .failure(Refusal(reason: "unknown key", fingerprint: fingerprint))
    }
    guard key.isValidSignature(signature, for: Array(timestamp.utf8)) else {
      return .failure(Refusal(reason: "bad signature", fingerprint: fingerprint))
    }
    guard let time = NodeAuth.parseTimestamp(timestamp),
      case let age = now - time, age > -NodeAuth.systemTimeTolerance, age < NodeAuth.maxAge
    else {
      return .failure(Refusal(reason: "stale timestamp", fingerprint: fingerprint))
    }
    let fresh = state.withLock { state -> Bool in
      if now >= state.nextPrune {
        state.seen = state.seen.filter { $0.value > now }
        state.nextPrune = now + 10
      }
      let pair = fingerprint + " " + timestamp
      guard state.seen[pair] == nil else { return false }
      state.seen[pair] = time + NodeAuth.maxAge
      return true
    }
    guard fresh else { return .failure(Refusal(reason: "replay", fingerprint: fingerprint)) }
    return .success(key)
  }
}

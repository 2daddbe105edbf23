import Crypto
import Foundation
import PollenCore
import PollenFleetProto
import PollenServer
import SwiftProtobuf
import Testing

@testable import PollenFleet

/// Flower's signed Fleet headers: a SECP384R1 key's PEM, an ISO timestamp and its DER
/// ECDSA-SHA256 signature, and the key → node binding (`flwr/superlink/routers/fleet/node_auth.py`).
@Suite struct FleetNodeAuthTests {
  static let now = 1_764_000_000.0

  /// `datetime.fromtimestamp(now, UTC).isoformat()` for `now` above: 2025-11-24T16:00:00+00:00.
  static let stamp = "2025-11-24T16:00:00.250000+00:00"

  static func headers(_ key: P384.Signing.PrivateKey, timestamp: String = stamp) throws -> [String: String] {
    let signature = try key.signature(for: SHA256.hash(data: Array(timestamp.utf8)))
    return [
      "flwr-public-key": Data(key.publicKey.pemRepresentation.utf8).base64EncodedString(),
      "flwr-timestamp": timestamp,
      "flwr-signature": signature.derRepresentation.base64EncodedString(),
    ]
  }

  @Test func timestampsParseAsPythonsFromisoformat() {
    #expect(FleetTimestamp.parse("1970-01-01T00:00:00+00:00") == 0)
    #expect(FleetTimestamp.parse(Self.stamp) == Self.now + 0.25)
    #expect(FleetTimestamp.parse("2025-11-24T17:00:00+01:00") == Self.now)
    #expect(FleetTimestamp.parse("2025-11-24T16:00:00Z") == Self.now)
    #expect(FleetTimestamp.parse("2025-11-24T16:00:00") == nil)
    #expect(FleetTimestamp.parse("yesterday") == nil)
  }

  @Test func aFreshSignatureOfTheTimestampProvesTheKey() throws {
    let key = P384.Signing.PrivateKey()
    let headers = try Self.headers(key)
    #expect(
      try FleetNodeAuth.verify(headers, now: Self.now).get() == Array(key.publicKey.pemRepresentation.utf8))
    #expect(throws: FleetError.self) { try FleetNodeAuth.verify(headers, now: Self.now + 306).get() }
    #expect(throws: FleetError.self) { try FleetNodeAuth.verify(headers, now: Self.now - 5).get() }
    var forged = headers
    forged["flwr-timestamp"] = "2025-11-24T16:00:01.250000+00:00"
    #expect(throws: FleetError.self) { try FleetNodeAuth.verify(forged, now: Self.now).get() }
    var other = headers
    other["flwr-public-key"] = try Self.headers(P384.Signing.PrivateKey())["flwr-public-key"]
    #expect(throws: FleetError.self) { try FleetNodeAuth.verify(other, now: Self.now).get() }
    #expect(throws: FleetError.self) { try FleetNodeAuth.verify([:], now: Self.now).get() }
  }

  @Test func theAllowListRefusesUnlistedKeysAtRegistrationAndOnEveryCall() async throws {
    let run = try FleetRun(runID: 77, fab: FleetAPITests.fab())
    let state = FleetState(run: run, clientManager: SimpleClientManager(seed: 1), clock: { Self.now })
    let (listed, stranger) = (P384.Signing.PrivateKey(), P384.Signing.PrivateKey())
    let allowed = Array(listed.publicKey.pemRepresentation.utf8)
    let api = FleetAPI(state: state, verifiesSignatures: false, authorizesKey: { $0 == allowed })
    #expect(api.verifiesSignatures, "an allow-list needs the signatures checked")
    func register(_ key: P384.Signing.PrivateKey) async throws -> FleetResponse {
      var request = Flwr_Proto_RegisterNodeFleetRequest()
      request.publicKey = Data(key.publicKey.pemRepresentation.utf8)
      return await api.handle(
        path: "/v1/fleet/register-node", body: try request.serializedBytes(), headers: try Self.headers(key))
    }
    let refused = try await register(stranger)
    #expect(refused.status == 412)
    #expect(String(decoding: refused.body, as: UTF8.self).contains("--auth-keys"))
    let accepted = try await register(listed)
    #expect(accepted.status == 200)
    var heartbeat = Flwr_Proto_SendNodeHeartbeatRequest()
    heartbeat.node.nodeID = try Flwr_Proto_RegisterNodeFleetResponse(serializedBytes: accepted.body).nodeID
    heartbeat.heartbeatInterval = 30
    #expect(
      await api.handle(
        path: "/v1/fleet/send-node-heartbeat", body: try heartbeat.serializedBytes(),
        headers: try Self.headers(stranger)
      ).status == 401)
  }

  @Test func everyCallMustBeSignedByTheNodeItNames() async throws {
    let run = try FleetRun(runID: 77, fab: FleetAPITests.fab())
    let state = FleetState(run: run, clientManager: SimpleClientManager(seed: 1), clock: { Self.now })
    let api = FleetAPI(state: state)
    let (alice, mallory) = (P384.Signing.PrivateKey(), P384.Signing.PrivateKey())
    var register = Flwr_Proto_RegisterNodeFleetRequest()
    register.publicKey = Data(alice.publicKey.pemRepresentation.utf8)
    let body: [UInt8] = try register.serializedBytes()
    #expect(await api.handle(path: "/v1/fleet/register-node", body: body).status == 401)
    #expect(
      await api.handle(path: "/v1/fleet/register-node", body: body, headers: try Self.headers(mallory)).status
        == 401)
    let registered = await api.handle(
      path: "/v1/fleet/register-node", body: body, headers: try Self.headers(alice))
    #expect(registered.status == 200)
    let nodeID = try Flwr_Proto_RegisterNodeFleetResponse(serializedBytes: registered.body).nodeID
    var pull = Flwr_Proto_PullMessagesRequest()
    pull.node.nodeID = nodeID
    let pullBody: [UInt8] = try pull.serializedBytes()
    #expect(
      await api.handle(path: "/v1/fleet/pull-messages", body: pullBody, headers: try Self.headers(alice))
        .status == 200)
    #expect(
      await api.handle(path: "/v1/fleet/pull-messages", body: pullBody, headers: try Self.headers(mallory))
        .status == 401)
    let refused = await api.handle(path: "/v1/fleet/pull-messages", body: pullBody)
    #expect(String(decoding: refused.body, as: UTF8.self).contains("Invalid SuperNode authentication"))
  }
}

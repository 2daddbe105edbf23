import Crypto
import Foundation
import PollenClient
import PollenCore
import PollenServer
import PollenTesting
import Testing
import X509

@testable import PollenGRPC

/// A throwaway certificate authority for client certificates (P-256), made per test run.
private struct TestAuthority {
  let key = P256.Signing.PrivateKey()
  let certificate: Certificate
  let name: String

  init(name: String) throws {
    self.name = name
    let subject = try DistinguishedName { CommonName(name) }
    certificate = try Certificate(
      version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
      notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86_400),
      issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
        Critical(KeyUsage(keyCertSign: true))
      },
      issuerPrivateKey: Certificate.PrivateKey(key))
  }

  var pem: [UInt8] { Array((try? certificate.serializeAsPEM().pemString)?.utf8 ?? "".utf8) }

  /// A client certificate for `node`, valid from `notBefore` to `notAfter` (seconds from now).
  func client(_ node: String, notBefore: TimeInterval = -3600, notAfter: TimeInterval = 86_400) throws
    -> (certificateChainPEM: [UInt8], privateKeyPEM: [UInt8])
  {
    let leafKey = P256.Signing.PrivateKey()
    let leaf = try Certificate(
      version: .v3, serialNumber: Certificate.SerialNumber(),
      publicKey: Certificate.PublicKey(leafKey.publicKey),
      notValidBefore: Date().addingTimeInterval(notBefore),
      notValidAfter: Date().addingTimeInterval(notAfter),
      issuer: certificate.subject, subject: try DistinguishedName { CommonName(node) },
      signatureAlgorithm: .ecdsaWithSHA256,
      extensions: try Certificate.Extensions {
        Critical(BasicConstraints.notCertificateAuthority)
        Critical(KeyUsage(digitalSignature: true))
        try ExtendedKeyUsage([.clientAuth])
      },
      issuerPrivateKey: Certificate.PrivateKey(key))
    return (Array(try leaf.serializeAsPEM().pemString.utf8), Array(leafKey.pemRepresentation.utf8))
  }
}

/// `--client-ca`: a server that requires client certificates from one authority.
@Suite(.serialized) struct MutualTLSTests {
  private static func withMutualTLSServer(
    trusting authority: TestAuthority,
    _ body: @escaping @Sendable (SimpleClientManager, Int) async throws -> Void
  ) async throws {
    let tls = FlowerGRPCServer.ServerTLS(
      certificateChainPEM: Array(TestCertificates.serverChain.utf8),
      privateKeyPEM: Array(TestCertificates.serverKey.utf8), clientCertificateAuthorityPEM: authority.pem)
    var config = FlowerGRPCServer.Config.loopback
    config.tls = tls
    try await withLoopbackServer(limit: .seconds(90), config: config, body)
  }

  private static func clientConfig(_ identity: (certificateChainPEM: [UInt8], privateKeyPEM: [UInt8])?)
    -> FlowerGRPCClient.Config
  {
    var config = FlowerGRPCClient.Config.test
    config.tls = FlowerGRPCClient.ClientTLS(
      rootCertificatesPEM: Array(TestCertificates.ca.utf8), identity: identity)
    config.backoff = Backoff(initialDelay: .milliseconds(50), maxDelay: .milliseconds(50), maxRetries: 1)
    return config
  }

  @Test func aClientWithACertificateFromTheAuthorityTrains() async throws {
    let authority = try TestAuthority(name: "Pollen Test Client CA")
    let identity = try authority.client("node-1")
    try await Self.withMutualTLSServer(trusting: authority) { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          var config = Self.clientConfig(identity)
          config.backoff = Backoff(
            initialDelay: .milliseconds(50), maxDelay: .milliseconds(200), maxWaitTime: .seconds(15))
          let client = ScriptedClient(fit: .addDelta(1, numExamples: 1))
          try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: client, config: config)
        }
        let proxy = try await onlyClient(manager)
        let res = try await proxy.fit(
          FitIns(parameters: Parameters(tensors: [NDArray([Float(1)])])), timeout: replyLimit)
        #expect(res.parameters.tensors == [NDArray([Float(2)])])
        _ = try await proxy.reconnect(ReconnectIns(seconds: nil), timeout: replyLimit)
        try await group.waitForAll()
      }
    }
  }

  @Test(arguments: ["untrusted", "expired", "missing", "not yet valid"])
  func otherClientsFailTheHandshakeAndNeverBecomeClients(kind: String) async throws {
    let authority = try TestAuthority(name: "Pollen Test Client CA")
    let identity: (certificateChainPEM: [UInt8], privateKeyPEM: [UInt8])? =
      switch kind {
      case "untrusted": try TestAuthority(name: "Somebody Else's CA").client("node-2")
      case "expired": try authority.client("node-3", notBefore: -2 * 86_400, notAfter: -86_400)
      case "not yet valid": try authority.client("node-4", notBefore: 86_400, notAfter: 2 * 86_400)
      default: nil
      }
    try await Self.withMutualTLSServer(trusting: authority) { manager, port in
      let client = ScriptedClient(fit: .addDelta(1, numExamples: 1))
      await #expect(throws: (any Error).self) {
        try await FlowerGRPCClient.run(
          server: "127.0.0.1:\(port)", client: client, config: Self.clientConfig(identity))
      }
      #expect(await manager.all().isEmpty, "a \(kind) certificate never reaches the client manager")
    }
  }
}

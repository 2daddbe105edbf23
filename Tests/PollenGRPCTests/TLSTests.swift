import PollenClient
import PollenCore
import PollenServer
import PollenTesting
import Testing

@testable import PollenGRPC

/// TLS between a Pollen server and a Pollen client over 127.0.0.1.
@Suite(.serialized) struct TLSTests {
  let serverTLS = FlowerGRPCServer.ServerTLS(
    certificateChainPEM: Array(TestCertificates.serverChain.utf8),
    privateKeyPEM: Array(TestCertificates.serverKey.utf8))

  func withTLSServer(_ body: @escaping @Sendable (SimpleClientManager, Int) async throws -> Void) async throws
  {
    var config = FlowerGRPCServer.Config.loopback
    config.tls = serverTLS
    try await withLoopbackServer(config: config, body)
  }

  @Test(arguments: ["127.0.0.1", "localhost"])
  func fitOverTLS(host: String) async throws {
    try await withTLSServer { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          var config = FlowerGRPCClient.Config.test
          config.tls = FlowerGRPCClient.ClientTLS(rootCertificatesPEM: Array(TestCertificates.ca.utf8))
          let client = ScriptedClient(fit: .addDelta(1, numExamples: 1))
          try await FlowerGRPCClient.run(server: "\(host):\(port)", client: client, config: config)
        }
        let proxy = try await onlyClient(manager)
        let res = try await proxy.fit(
          FitIns(parameters: Parameters(tensors: [NDArray([Float(1)])])), timeout: replyLimit)
        #expect(res.parameters.tensors == [NDArray([Float(2)])])
        _ = try await proxy.reconnect(ReconnectIns(), timeout: .seconds(5))
        try await group.waitForAll()
      }
    }
  }

  @Test func untrustedServerIsRefused() async throws {
    try await withTLSServer { manager, port in
      var config = FlowerGRPCClient.Config(backoff: Backoff(initialDelay: .milliseconds(10), maxRetries: 1))
      config.tls = FlowerGRPCClient.ClientTLS(rootCertificatesPEM: nil)  // system roots: not our CA
      await #expect(throws: PollenError.self) {
        try await FlowerGRPCClient.run(
          server: "127.0.0.1:\(port)", client: ScriptedClient(fit: .fail), config: config)
      }
      #expect(await manager.numAvailable() == 0)
    }
  }
}

import PollenClient
import PollenCore
import PollenServer
import PollenTesting
import Testing

@testable import PollenGRPC

/// HTTP/2 keepalive on both sides: a stream whose client trains without sending anything
/// outlives every idle and keepalive timer, and the server's ping policy admits the client's
/// pings (flwrlabs/flower#775).
@Suite(.serialized) struct KeepaliveTests {
  let model = Parameters(tensors: [NDArray([Float(1), 2, 3])])

  /// Pings every 500 ms both ways and 1.5 s idle limits; a ping may take 5 s to be acknowledged
  /// (a loaded test machine — CI runs the suites in parallel on 2 cores — can stall a process
  /// for longer than a few hundred milliseconds).
  static var shortServer: FlowerGRPCServer.Config {
    var config = FlowerGRPCServer.Config.loopback
    config.keepalive = FlowerGRPCServer.Keepalive(
      time: .milliseconds(500), timeout: .seconds(5), minClientPingInterval: .milliseconds(100))
    config.maxIdleTime = .milliseconds(1500)
    return config
  }

  static var shortClient: FlowerGRPCClient.Config {
    var config = FlowerGRPCClient.Config.test
    config.keepalive = FlowerGRPCClient.Keepalive(time: .milliseconds(500), timeout: .seconds(5))
    config.maxIdleTime = .milliseconds(1500)
    return config
  }

  @Test func aSilentFitOutlivesShortIdleAndKeepaliveTimeouts() async throws {
    let model = model
    try await withLoopbackServer(config: Self.shortServer) { manager, port in
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          // Sends nothing for 8 s: five times the idle limits, sixteen keepalive periods.
          let client = ScriptedClient(fit: .sleep(.seconds(8), then: .addDelta(1, numExamples: 1)))
          try await FlowerGRPCClient.run(
            server: "127.0.0.1:\(port)", client: client, config: Self.shortClient)
        }
        let proxy = try await onlyClient(manager)
        let res = try await proxy.fit(FitIns(parameters: model), timeout: .seconds(30))
        #expect(res.parameters.tensors == [NDArray([Float(2), 3, 4])])
        // Same stream: the client did not have to join again.
        #expect(await manager.all().keys.sorted() == [proxy.cid])
        _ = try await proxy.reconnect(ReconnectIns(seconds: nil), timeout: .seconds(10))
        try await group.waitForAll()
      }
    }
  }

  /// The control experiment: the client really pings, and a server that admits fewer pings
  /// ends the connection ("too many pings") — so the ping policy must stay below the clients'.
  @Test func pingsMoreFrequentThanTheServerAdmitsEndTheStream() async throws {
    let model = model
    var strict = Self.shortServer
    strict.keepalive.minClientPingInterval = .seconds(60)
    try await withLoopbackServer(config: strict) { manager, port in
      let client = Task {
        let slow = ScriptedClient(fit: .sleep(.seconds(8), then: .addDelta(1, numExamples: 1)))
        try await FlowerGRPCClient.run(server: "127.0.0.1:\(port)", client: slow, config: Self.shortClient)
      }
      defer { client.cancel() }
      let proxy = try await onlyClient(manager)
      let clock = ContinuousClock()
      let start = clock.now
      let error = await #expect(throws: PollenError.self) {
        _ = try await proxy.fit(FitIns(parameters: model), timeout: .seconds(30))
      }
      #expect(error?.code == .disconnected)
      #expect(clock.now - start < .seconds(7), "ended by the ping policy, not by the client's reply")
    }
  }

  /// What `pollen server` and `pollen client` use (the configurations' defaults): nothing ends
  /// an open stream that is silent for 20 minutes, and neither side pings the other too often.
  @Test func theDefaultsKeepATwentyMinuteSilentStream() throws {
    let server = FlowerGRPCServer.Config.defaults
    let client = FlowerGRPCClient.Config.defaults
    let twentyMinutes = Duration.seconds(20 * 60)
    #expect(server.maxIdleTime == nil)
    #expect(server.keepalive.time == .seconds(210), "Flower's server pings every 210 s")
    #expect(server.keepalive.time < .seconds(240), "below the 4-minute idle cut-off of cloud load balancers")
    #expect(server.keepalive.timeout == .seconds(20))
    #expect(server.keepalive.minClientPingInterval == .seconds(10))
    #expect(server.keepalive.allowClientPingsWithoutCalls)
    #expect(server.clientGracePeriod == .seconds(600))
    let keepalive = try #require(client.keepalive)
    #expect(keepalive.time == .seconds(330))
    #expect(keepalive.time > .seconds(300), "Flower's gRPC C-core server admits a ping every 5 minutes")
    #expect(keepalive.time >= server.keepalive.minClientPingInterval)
    #expect(client.maxIdleTime >= twentyMinutes)
  }
}

import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import Logging
import PollenClient
import PollenCore
import PollenFlowerProto
import PollenServer
import Synchronization

@testable import PollenGRPC

extension FlowerGRPCServer.Config {
  /// 127.0.0.1 on a free port.
  static var loopback: Self {
    // Every test client shares 127.0.0.1: tests of misbehaving peers then serve a good client
    // at once (MisbehavingPeerTests checks the throttle itself).
    Self(host: "127.0.0.1", port: 0, misbehaviorThrottle: .zero)
  }
}

/// How long a test waits for a client's reply before calling it lost. A guard against hangs,
/// not a speed check: the parallel test phase runs hundreds of tests on two cores, where a
/// debug-build reply to a small message has been seen to take more than 10 s.
let replyLimit: Duration = .seconds(30)

/// Runs a Pollen server on 127.0.0.1 (a free port unless `port` is given) for `body`, failing
/// if it all takes longer than `limit` (so a hang fails the test instead of hanging the suite).
/// `config`'s host and port are replaced.
func withLoopbackServer<R: Sendable>(
  limit: Duration = .seconds(120), port: Int = 0, config: FlowerGRPCServer.Config = .loopback,
  _ body: @escaping @Sendable (_ manager: SimpleClientManager, _ port: Int) async throws -> R
) async throws -> R {
  var config = config
  config.host = "127.0.0.1"
  config.port = port
  return try await withTimeout(limit) { [config] in
    let manager = SimpleClientManager(sampleWaitTimeout: .seconds(20))
    return try await withFlowerGRPCServer(config: config, clientManager: manager) {
      server in
      try await body(manager, try await server.boundPort())
    }
  }
}

/// Client settings for tests: quick retries, and give up after a few seconds.
extension FlowerGRPCClient.Config {
  static var test: Self {
    Self(
      backoff: Backoff(
        initialDelay: .milliseconds(50), maxDelay: .milliseconds(200), maxWaitTime: .seconds(15)))
  }
}

/// Waits until `condition` holds, polling; `false` after `limit`.
func eventually(within limit: Duration = .seconds(60), _ condition: @Sendable () async -> Bool) async -> Bool
{
  let clock = ContinuousClock()
  let deadline = clock.now.advanced(by: limit)
  while clock.now < deadline {
    if await condition() { return true }
    try? await Task.sleep(for: .milliseconds(20))
  }
  return await condition()
}

/// The only registered client, once there is one.
func onlyClient(_ manager: SimpleClientManager) async throws -> any ClientProxy {
  guard await manager.waitFor(numClients: 1, timeout: .seconds(60)),
    let client = await manager.all().values.first
  else { throw PollenError(.timeout, "no client joined") }
  return client
}

/// Writes raw bytes as gRPC messages, whatever they are.
struct RawBytesSerializer: MessageSerializer {
  func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

/// A misbehaving peer: opens `Join` on 127.0.0.1:`port` and, for each instruction, writes what
/// `answer` returns (raw bytes, so they may be garbage). Returns the status the server ended
/// the stream with.
func rawJoin(
  port: Int, answer: @escaping @Sendable (Flwr_Proto_ServerMessage) -> [UInt8]?, first: [UInt8]? = nil
) async throws -> GRPCCore.Status {
  let transport = try HTTP2ClientTransport.Posix(
    target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
  return try await withGRPCClient(transport: transport) { grpc in
    let (outbox, outboxIn) = AsyncStream<[UInt8]>.makeStream()
    if let first { outboxIn.yield(first) }
    let request = StreamingClientRequest<[UInt8]>(producer: { writer in
      for await bytes in outbox { try await writer.write(bytes) }
    })
    return try await grpc.bidirectionalStreaming(
      request: request, descriptor: Flwr_Proto_FlowerService.Method.Join.descriptor,
      serializer: RawBytesSerializer(), deserializer: ProtobufDeserializer<Flwr_Proto_ServerMessage>(),
      options: .defaults
    ) { response in
      defer { outboxIn.finish() }
      do {
        for try await message in response.messages {
          if let bytes = answer(message) { outboxIn.yield(bytes) }
        }
        return GRPCCore.Status(code: .ok, message: "")
      } catch let error as RPCError {
        return GRPCCore.Status(code: GRPCCore.Status.Code(error.code), message: error.message)
      }
    }
  }
}

/// Serialised `ClientMessage` bytes.
func bytes(_ reply: Reply) -> [UInt8] {
  try! Flwr_Proto_ClientMessage(reply).serializedBytes()
}

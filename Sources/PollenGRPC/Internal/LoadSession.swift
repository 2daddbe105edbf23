import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import PollenClient
import PollenCore
import PollenFlowerProto
import Synchronization

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// One client of a ``LoadGenerator``: opens `Join` on a shared gRPC client and answers the
/// server's instructions with canned replies (zeros, params + 1, loss 0) until `ReconnectIns`.
///
/// It reads and writes encoded messages (``ServerMessageBytes``, ``EncodedClientMessage``):
/// the replies are encoded once for every client, and a `FitIns` is decoded once per round.
struct LoadSession: Sendable {
  let index: Int
  let grpc: GRPCClient<HTTP2ClientTransport.Posix>
  let config: LoadGenerator.Config
  /// The replies that do not depend on the instruction, encoded once for every client.
  let replies: LoadReplies
  /// The last `fit` reply and the tensors it answers (every client of a round gets the same).
  let fitReplies: FitReplyCache
  let stats: LoadStats
  let logger: Logger

  private enum Outcome: Sendable {
    case disconnected
    /// The stream failed: `reason` is what the summary counts (e.g. the gRPC status code),
    /// `detail` the whole error; `retry` when the server was unavailable before any instruction.
    case failed(reason: String, detail: String, retry: Bool)

    /// A failure not worth retrying that says all there is in its reason.
    static func failed(_ reason: String) -> Outcome { .failed(reason: reason, detail: reason, retry: false) }
  }

  /// Joins (retrying while the server is unavailable, up to the connect timeout) and serves.
  func run() async {
    let deadline = ContinuousClock.now.advanced(by: config.connectTimeout)
    var delay = Duration.milliseconds(100)
    while !Task.isCancelled {
      switch await join() {
      case .disconnected:
        return
      case .failed(let reason, let detail, let retry):
        if retry, ContinuousClock.now < deadline {
          try? await Task.sleep(for: delay * Double.random(in: 0.5...1.5))
          delay = min(delay * 2, .seconds(2))
          continue
        }
        // The first failures are warnings (a server waiting for min-clients waits for them
        // forever, so they say why a run stalls); past that, one of thousands refused is noise.
        if stats.failed(reason) <= LoadStats.failuresWarned {
          logger.warning("client \(index) failed: \(detail)")
        } else {
          logger.debug("client \(index) failed: \(detail)")
        }
        return
      }
    }
  }

  private func join() async -> Outcome {
    var options = CallOptions.defaults
    options.waitForReady = false
    options.maxRequestMessageBytes = config.maxMessageSize
    options.maxResponseMessageBytes = config.maxMessageSize
    let (outbox, outboxIn) = AsyncStream<EncodedClientMessage>.makeStream()
    do {
      let request = StreamingClientRequest<EncodedClientMessage> { writer in
        for await message in outbox { try await writer.write(message) }
      }
      return try await grpc.bidirectionalStreaming(
        request: request, descriptor: Flwr_Proto_FlowerService.Method.Join.descriptor,
        serializer: EncodedClientMessage.Serializer(), deserializer: ServerMessageBytes.Deserializer(),
        options: options,
        onResponse: { response in
          defer { outboxIn.finish() }
          return try await answer(response.messages, outbox: outboxIn)
        })
    } catch let error as RPCError {
      return .failed(reason: "\(error.code)", detail: "\(error)", retry: error.code == .unavailable)
    } catch {
      return .failed(reason: "\(error)", detail: "\(error)", retry: false)
    }
  }

  /// Answers until `ReconnectIns`; throws what the stream throws.
  private func answer(
    _ messages: RPCAsyncSequence<ServerMessageBytes, any Error>,
    outbox: AsyncStream<EncodedClientMessage>.Continuation
  ) async throws -> Outcome {
    var joined = false
    defer { if joined { stats.left() } }
    var iterator = messages.makeAsyncIterator()
    while let message = try await iterator.next() {
      if !joined {
        joined = true
        stats.connected()
      }
      let reply: EncodedClientMessage
      let kind: Reply.Kind
      if message.isFit {
        if config.fitDelay > .zero { try await Task.sleep(for: config.fitDelay) }
        (reply, kind) = (try fitReplies.reply(to: message), .fit)
      } else {
        switch try message.decode().msg {
        case .getParametersIns:
          (reply, kind) = (replies.getParameters, .getParameters)
        case .fitIns:
          preconditionFailure("a FitIns is read from its bytes")
        case .evaluateIns:
          (reply, kind) = (replies.evaluate, .evaluate)
        case .getPropertiesIns:
          (reply, kind) = (replies.getProperties, .getProperties)
        case .reconnectIns:
          outbox.yield(replies.disconnect)
          outbox.finish()
          stats.answered(.disconnect)
          // Let the reply leave; the server ends the stream (Flower's cancels it) right after.
          let rest = LoadIteratorBox(iterator)
          _ = try? await withTimeout(.seconds(2)) { while try await rest.iterator.next() != nil {} }
          return .disconnected
        case nil:
          return .failed("empty server message")
        }
      }
      outbox.yield(reply)
      stats.answered(kind)
    }
    return .failed(joined ? "stream ended" : "stream ended before any instruction")
  }

  /// `fit`'s reply: every received tensor + 1, `num_examples` 10.
  static func fitReply(_ parameters: Flwr_Proto_Parameters) throws -> Flwr_Proto_ClientMessage {
    var out = Flwr_Proto_Parameters()
    out.tensorType = parameters.tensorType
    out.tensors = try parameters.tensors.map { try plusOne(NDArray(npy: $0)).npy() }
    var res = Flwr_Proto_ClientMessage.FitRes()
    res.status = Flwr_Proto_Status(Status.ok)
    res.parameters = out
    res.numExamples = 10
    var message = Flwr_Proto_ClientMessage()
    message.msg = .fitRes(res)
    return message
  }

  /// `array + 1` for float32 and float64 arrays (other dtypes come back unchanged).
  static func plusOne(_ array: NDArray) throws -> NDArray {
    func add<T: BinaryFloatingPoint & NDArrayScalar>(_ type: T.Type) throws -> NDArray {
      var bytes = Data(count: array.bytes.count)
      bytes.withUnsafeMutableBytes { raw in
        let out = raw.bindMemory(to: T.self)
        array.withUnsafeBufferPointer(as: T.self) { input in
          for i in input.indices { out[i] = input[i] + 1 }
        }
      }
      return try NDArray(dtype: array.dtype, shape: array.shape, bytes: bytes)
    }
    switch array.dtype {
    case .float32: return try add(Float.self)
    case .float64: return try add(Double.self)
    default: return array
    }
  }
}

/// Hands the stream's iterator to the one child task that drains it while its owner waits.
private final class LoadIteratorBox: @unchecked Sendable {
  var iterator: RPCAsyncSequence<ServerMessageBytes, any Error>.AsyncIterator
  init(_ iterator: RPCAsyncSequence<ServerMessageBytes, any Error>.AsyncIterator) {
    self.iterator = iterator
  }
}

/// The replies of a ``LoadGenerator``'s clients that do not depend on the instruction.
struct LoadReplies: Sendable {
  /// `get_parameters`'s reply: `parameters` float32 zeros in `layers` 1-d arrays.
  let getParameters: EncodedClientMessage
  /// `evaluate`'s: loss 0 on 10 examples.
  let evaluate: EncodedClientMessage
  /// `get_properties`'s: no properties.
  let getProperties: EncodedClientMessage
  /// `DisconnectRes` (reason `RECONNECT`), the answer to `ReconnectIns`.
  let disconnect: EncodedClientMessage

  init(parameters: Int, layers: Int) throws {
    let base = parameters / layers
    let arrays = (0..<layers).map { layer in
      NDArray(zeros: .float32, shape: [base + (layer < parameters % layers ? 1 : 0)])
    }
    getParameters = try EncodedClientMessage(
      Flwr_Proto_ClientMessage(
        .getParameters(GetParametersRes(status: .ok, parameters: Parameters(tensors: arrays)))))
    var evaluateRes = Flwr_Proto_ClientMessage.EvaluateRes()
    evaluateRes.status = Flwr_Proto_Status(Status.ok)
    evaluateRes.loss = 0
    evaluateRes.numExamples = 10
    var evaluateMessage = Flwr_Proto_ClientMessage()
    evaluateMessage.msg = .evaluateRes(evaluateRes)
    evaluate = try EncodedClientMessage(evaluateMessage)
    var propertiesRes = Flwr_Proto_ClientMessage.GetPropertiesRes()
    propertiesRes.status = Flwr_Proto_Status(Status.ok)
    var propertiesMessage = Flwr_Proto_ClientMessage()
    propertiesMessage.msg = .getPropertiesRes(propertiesRes)
    getProperties = try EncodedClientMessage(propertiesMessage)
    disconnect = try EncodedClientMessage(
      Flwr_Proto_ClientMessage(.disconnect(DisconnectRes(reason: .reconnect))))
  }
}

/// The last `fit` reply of a ``LoadGenerator``, shared by its clients: all clients of a round
/// receive the same `FitIns` and answer the same params + 1, so the answer is computed and
/// encoded once per distinct instruction. The instruction's bytes are compared outside the
/// lock; a new one is decoded under it, once, while the round's other clients wait for it.
final class FitReplyCache: Sendable {
  private let last = Mutex<(instruction: ServerMessageBytes, reply: EncodedClientMessage)?>(nil)
  /// Where the replies are kept framed, for the streams' ``LoadReplySplicer``s.
  let splices: LoadReplySplices

  init(splices: LoadReplySplices) {
    self.splices = splices
  }

  /// The reply to a `FitIns` (`message.isFit`), from the cache when its bytes are the last one's.
  func reply(to message: ServerMessageBytes) throws -> EncodedClientMessage {
    if let cached = last.withLock({ $0 }), cached.instruction.hasBytes(of: message) { return cached.reply }
    return try last.withLock { last in
      if let cached = last, cached.instruction.hasBytes(of: message) { return cached.reply }
      guard case .fitIns(let ins) = try message.decode().msg else {
        throw PollenError(.invalidMessage, "expected FitIns")
      }
      let answer = try LoadSession.fitReply(ins.parameters)
      let reply = try EncodedClientMessage(answer, splicedInto: splices)
      last = (message, reply)
      return reply
    }
  }
}

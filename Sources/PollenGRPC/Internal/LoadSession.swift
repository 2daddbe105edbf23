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
struct LoadSession: Sendable {
  let index: Int
  let service: Flwr_Proto_FlowerService.Client<HTTP2ClientTransport.Posix>
  let config: LoadGenerator.Config
  /// The `get_parameters` reply, built once for every client.
  let initialReply: Flwr_Proto_ClientMessage
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
    let (outbox, outboxIn) = AsyncStream<Flwr_Proto_ClientMessage>.makeStream()
    do {
      return try await service.join(
        options: options,
        requestProducer: { writer in
          for await message in outbox { try await writer.write(message) }
        },
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
    _ messages: RPCAsyncSequence<Flwr_Proto_ServerMessage, any Error>,
    outbox: AsyncStream<Flwr_Proto_ClientMessage>.Continuation
  ) async throws -> Outcome {
    var joined = false
    defer { if joined { stats.left() } }
    var iterator = messages.makeAsyncIterator()
    while let message = try await iterator.next() {
      if !joined {
        joined = true
        stats.connected()
      }
      let reply: Flwr_Proto_ClientMessage
      let kind: Reply.Kind
      switch message.msg {
      case .getParametersIns:
        (reply, kind) = (initialReply, .getParameters)
      case .fitIns(let ins):
        if config.fitDelay > .zero { try await Task.sleep(for: config.fitDelay) }
        (reply, kind) = (try fitReplies.reply(to: ins.parameters), .fit)
      case .evaluateIns:
        var res = Flwr_Proto_ClientMessage.EvaluateRes()
        res.status = Flwr_Proto_Status(Status.ok)
        res.loss = 0
        res.numExamples = 10
        var m = Flwr_Proto_ClientMessage()
        m.msg = .evaluateRes(res)
        (reply, kind) = (m, .evaluate)
      case .getPropertiesIns:
        var res = Flwr_Proto_ClientMessage.GetPropertiesRes()
        res.status = Flwr_Proto_Status(Status.ok)
        var m = Flwr_Proto_ClientMessage()
        m.msg = .getPropertiesRes(res)
        (reply, kind) = (m, .getProperties)
      case .reconnectIns:
        outbox.yield(Flwr_Proto_ClientMessage(.disconnect(DisconnectRes(reason: .reconnect))))
        outbox.finish()
        stats.answered(.disconnect)
        // Let the reply leave; the server ends the stream (Flower's cancels it) right after.
        let rest = LoadIteratorBox(iterator)
        _ = try? await withTimeout(.seconds(2)) { while try await rest.iterator.next() != nil {} }
        return .disconnected
      case nil:
        return .failed("empty server message")
      }
      outbox.yield(reply)
      stats.answered(kind)
    }
    return .failed(joined ? "stream ended" : "stream ended before any instruction")
  }

  /// `get_parameters`'s reply: `parameters` float32 zeros in `layers` 1-d arrays.
  static func initialParametersReply(parameters: Int, layers: Int) -> Flwr_Proto_ClientMessage {
    let base = parameters / layers
    let arrays = (0..<layers).map { layer in
      NDArray(zeros: .float32, shape: [base + (layer < parameters % layers ? 1 : 0)])
    }
    return Flwr_Proto_ClientMessage(
      .getParameters(GetParametersRes(status: .ok, parameters: Parameters(tensors: arrays))))
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
  var iterator: RPCAsyncSequence<Flwr_Proto_ServerMessage, any Error>.AsyncIterator
  init(_ iterator: RPCAsyncSequence<Flwr_Proto_ServerMessage, any Error>.AsyncIterator) {
    self.iterator = iterator
  }
}

/// The last `fit` reply of a ``LoadGenerator``, shared by its clients: all clients of a round
/// receive the same parameters and answer the same params + 1, so the answer is computed once
/// per distinct input (the input's bytes are compared, outside the lock).
final class FitReplyCache: Sendable {
  private let last = Mutex<(input: [Data], reply: Flwr_Proto_ClientMessage)?>(nil)

  /// `LoadSession.fitReply(parameters)`, from the cache when the tensors are the last ones'.
  func reply(to parameters: Flwr_Proto_Parameters) throws -> Flwr_Proto_ClientMessage {
    if let cached = last.withLock({ $0 }), cached.input == parameters.tensors { return cached.reply }
    let reply = try LoadSession.fitReply(parameters)
    last.withLock { $0 = (parameters.tensors, reply) }
    return reply
  }
}

import Dispatch
import NIOCore
import NIOHTTP2
import PollenCore
import Synchronization

/// Counts the DATA writes of one HTTP/2 stream and when each left the process, so the stream's
/// ``Outbox`` can wait until a message it wrote has reached the socket (see ``SendBudget``).
///
/// Filled on the stream channel's event loop by ``StreamWriteGaugeHandler``; read by the RPC.
final class StreamWriteGauge: Sendable {
  private struct State {
    var issued = 0
    var completed = 0
    var closed = false
    var waiters: [(after: Int, continuation: CheckedContinuation<Void, Never>, id: UInt64)] = []
    var cancelled: Set<UInt64> = []
    var nextID: UInt64 = 0
  }

  private let state = Mutex(State())
  /// The received bytes this stream has charged to its connection's ``ConnectionReadGate`` and
  /// not given back; `nil` once the stream closed (all given back then).
  private let inbound = Mutex<(gate: ConnectionReadGate?, outstanding: Int)?>((nil, 0))
  /// Spliced messages the stream's RPC has queued, in write order, for the handler to write in
  /// place of their placeholders.
  private let splices = Mutex<[SplicedServerMessage]>([])

  /// Queues the pieces of a message whose placeholder the RPC is about to write.
  func queue(_ message: SplicedServerMessage) {
    splices.withLock { $0.append(message) }
  }

  /// The DATA writes issued so far; pass it to ``waitUntilWritten(after:)`` before a write.
  var mark: Int { state.withLock { $0.issued } }

  /// Returns once the first DATA write after `mark` has completed (or the stream has closed, or
  /// the task is cancelled).
  /// With a `limit`, it returns after that long at the latest (a dispatch timer, not a task).
  func waitUntilWritten(after mark: Int, limit: Duration? = nil) async {
    let id = state.withLock { state in
      state.nextID += 1
      return state.nextID
    }
    let timer = limit.map { limit in
      let expire = DispatchWorkItem { [weak self] in self?.stopWaiting(id) }
      let nanoseconds = Int(min(max(limit.inSeconds, 0), 1e9) * 1e9)
      DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds), execute: expire)
      return expire
    }
    defer {
      if let timer {
        timer.cancel()
        state.withLock { _ = $0.cancelled.remove(id) }
      }
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let ready = state.withLock { state in
          if state.cancelled.remove(id) != nil || state.closed || state.completed > mark { return true }
          state.waiters.append((mark, continuation, id))
          return false
        }
        if ready { continuation.resume() }
      }
    } onCancel: {
      stopWaiting(id)
    }
  }

  /// Resumes waiter `id` now (or makes it return at once when it has not begun waiting yet).
  private func stopWaiting(_ id: UInt64) {
    let waiter = state.withLock { state in
      guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
        state.cancelled.insert(id)
        return CheckedContinuation<Void, Never>?.none
      }
      return state.waiters.remove(at: index).continuation
    }
    waiter?.resume()
  }

  /// The stream's connection reads under a ``ReceiveBudget`` (on the event loop, once).
  func attach(_ gate: ConnectionReadGate) {
    inbound.withLock { $0?.gate = gate }
  }

  /// Messages of `bytes` in all (prefixes included) began to arrive (on the event loop).
  func didReceive(_ bytes: Int) {
    guard bytes > 0,
      let gate = inbound.withLock({ state -> ConnectionReadGate? in
        guard let gate = state?.gate else { return nil }
        state?.outstanding += bytes
        return gate
      })
    else { return }
    gate.charge(bytes)
  }

  /// A received message of `bytes` (framing included) was decoded or dropped: gives back what
  /// it charged (at most what is outstanding; nothing once the stream closed).
  func didConsume(_ bytes: Int) {
    let (gate, given): (ConnectionReadGate?, Int) = inbound.withLock { state in
      guard let current = state, let gate = current.gate else { return (nil, 0) }
      let given = min(bytes, current.outstanding)
      state?.outstanding -= given
      return (gate, given)
    }
    gate?.release(given)
  }

  /// A charge for a message of `count` bytes that gives its bytes back when the last copy of
  /// the message is gone; `nil` when the connection reads without a budget.
  func inboundCharge(forMessageOf count: Int) -> InboundCharge? {
    inbound.withLock { $0?.gate == nil } ? nil : InboundCharge(bytes: count + 5, gauge: self)
  }

  func didIssue() { state.withLock { $0.issued += 1 } }

  /// What to write for the framed gRPC data `buffer`: `nil` when it holds no placeholder (write
  /// it as it is), else its parts with each placeholder replaced by the next queued message's
  /// pieces. Throws when a placeholder has no queued message (a bug: nothing may reach the
  /// client then).
  func expand(_ buffer: ByteBuffer) throws -> [ByteBuffer]? {
    guard splices.withLock({ !$0.isEmpty }) else { return nil }
    let placeholder = SplicedServerMessage.placeholder
    return try SplicedWrites.expand(buffer) { message in
      guard message.count == placeholder.count, message.elementsEqual(placeholder) else { return nil }
      guard let next = splices.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { throw SpliceError() }
      return next.framed()
    }
  }

  /// A placeholder arrived with no spliced message queued for it.
  struct SpliceError: Error, CustomStringConvertible {
    var description: String { "a spliced message's placeholder has no queued message" }
  }

  func didComplete() {
    let ready = state.withLock { state in
      state.completed += 1
      let completed = state.completed
      let ready = state.waiters.filter { completed > $0.after }.map(\.continuation)
      state.waiters.removeAll { completed > $0.after }
      return ready
    }
    for c in ready { c.resume() }
  }

  func didClose() {
    let (gate, given): (ConnectionReadGate?, Int) = inbound.withLock { state in
      defer { state = nil }
      return (state?.gate, state?.outstanding ?? 0)
    }
    gate?.release(given)
    let ready = state.withLock { state in
      state.closed = true
      defer { state.waiters = [] }
      return state.waiters.map(\.continuation)
    }
    for c in ready { c.resume() }
  }
}

/// The gauges of streams that have opened but whose RPC has not claimed its gauge yet, by the
/// token ``StreamWriteGaugeHandler`` put in the stream's request headers.
final class StreamWriteGauges: Sendable {
  /// The request header carrying the token (a client's own value is replaced).
  static let header = "pollen-internal-stream"

  private let state = Mutex<(next: UInt64, open: [String: StreamWriteGauge])>((0, [:]))

  /// A new gauge and its token.
  func open() -> (token: String, gauge: StreamWriteGauge) {
    let gauge = StreamWriteGauge()
    let token = state.withLock { state in
      state.next += 1
      let token = String(state.next)
      state.open[token] = gauge
      return token
    }
    return (token, gauge)
  }

  /// Takes the gauge of the stream whose headers carried `token`.
  func claim(_ token: String?) -> StreamWriteGauge? {
    guard let token else { return nil }
    return state.withLock { $0.open.removeValue(forKey: token) }
  }

  /// Forgets an unclaimed gauge (its stream closed).
  func drop(_ token: String) {
    _ = state.withLock { $0.open.removeValue(forKey: token) }
  }

  /// Gauges not yet claimed (for tests).
  var unclaimed: Int { state.withLock { $0.open.count } }

  /// Installs a ``StreamWriteGaugeHandler`` at the front of a new stream channel; with `gate`
  /// (its connection's ``ConnectionReadGate``), the stream's messages charge its receive budget.
  func install(on channel: any Channel, gate: ConnectionReadGate? = nil) throws {
    let (token, gauge) = open()
    if let gate { gauge.attach(gate) }
    try channel.pipeline.syncOperations.addHandler(
      StreamWriteGaugeHandler(token: token, gauge: gauge, gauges: self), position: .first)
  }
}

/// Sits at the front of an HTTP/2 stream channel: tags the request headers with the stream's
/// gauge token, counts DATA writes and their completion into the gauge, and writes spliced
/// messages (``SplicedServerMessage``) in place of their placeholders. (The server enables no
/// compression, so the framer's placeholder frames are never compressed.)
final class StreamWriteGaugeHandler: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = HTTP2Frame.FramePayload
  typealias InboundOut = HTTP2Frame.FramePayload
  typealias OutboundIn = HTTP2Frame.FramePayload
  typealias OutboundOut = HTTP2Frame.FramePayload

  private let token: String
  private let gauge: StreamWriteGauge
  private let gauges: StreamWriteGauges
  private var tagged = false
  /// Where the stream's messages begin, to charge each one's size when it starts.
  private var starts = MessageStarts()

  init(token: String, gauge: StreamWriteGauge, gauges: StreamWriteGauges) {
    self.token = token
    self.gauge = gauge
    self.gauges = gauges
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var payload = unwrapInboundIn(data)
    if !tagged, case .headers(var headers) = payload {
      tagged = true
      headers.headers.remove(name: StreamWriteGauges.header)
      headers.headers.add(name: StreamWriteGauges.header, value: token)
      payload = .headers(headers)
    } else if case .data(let frame) = payload {
      if case .byteBuffer(let buffer) = frame.data { gauge.didReceive(starts.sizes(startingIn: buffer)) }
    }
    context.fireChannelRead(wrapInboundOut(payload))
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    guard case .data(let frame) = unwrapOutboundIn(data) else {
      return context.write(data, promise: promise)
    }
    gauge.didIssue()
    let written = promise ?? context.eventLoop.makePromise()
    let gauge = gauge
    written.futureResult.whenComplete { _ in gauge.didComplete() }
    let parts: [ByteBuffer]?
    do {
      parts = if case .byteBuffer(let buffer) = frame.data { try gauge.expand(buffer) } else { nil }
    } catch {
      written.fail(error)
      return context.close(promise: nil)
    }
    guard let parts else { return context.write(data, promise: written) }
    SplicedWrites.write(parts, endStream: frame.endStream, context: context, promise: written)
  }

  func channelInactive(context: ChannelHandlerContext) {
    close()
    context.fireChannelInactive()
  }

  func handlerRemoved(context: ChannelHandlerContext) { close() }

  private func close() {
    gauge.didClose()
    gauges.drop(token)
  }
}

/// What one received message holds of its connection's ``ReceiveBudget``: given back when the
/// message (every copy of it) is gone — decoded, discarded as stale, or dropped with its stream.
final class InboundCharge: Sendable {
  let bytes: Int
  private let gauge: StreamWriteGauge

  init(bytes: Int, gauge: StreamWriteGauge) {
    self.bytes = bytes
    self.gauge = gauge
  }

  deinit { gauge.didConsume(bytes) }
}

import Logging
import NIOCore
import NIOHTTP1
import Prometheus

/// Answers HTTP/1.1 requests of one connection: `GET /metrics` (and `HEAD`) with the registry in
/// Prometheus text format, 404 for any other path, 405 for other methods on `/metrics`.
///
/// Requests arrive decoded by NIOHTTP1's server pipeline, whose error handler answers a malformed
/// request with 400; this handler then closes the connection.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  /// The `Content-Type` of the Prometheus text exposition format.
  static let contentType = "text/plain; version=0.0.4; charset=utf-8"

  private let registry: PrometheusCollectorRegistry
  private let logger: Logger
  private var request: HTTPRequestHead?

  init(registry: PrometheusCollectorRegistry, logger: Logger) {
    self.registry = registry
    self.logger = logger
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head): request = head
    case .body: break  // a scrape has no body; ignore whatever comes
    case .end:
      guard let head = request else { return }
      request = nil
      respond(to: head, context: context)
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    logger.debug("metrics: closing connection after \(error)")
    context.close(promise: nil)
  }

  private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
    let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    var headers = HTTPHeaders()
    let status: HTTPResponseStatus
    let body: [UInt8]
    if path != "/metrics" {
      status = .notFound
      body = Array("not found; metrics are at /metrics\n".utf8)
      headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
    } else if head.method != .GET && head.method != .HEAD {
      status = .methodNotAllowed
      body = Array("use GET\n".utf8)
      headers.add(name: "Allow", value: "GET, HEAD")
      headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
    } else {
      status = .ok
      body = registry.emitToBuffer()
      headers.add(name: "Content-Type", value: Self.contentType)
    }
    headers.add(name: "Content-Length", value: "\(body.count)")
    let keepAlive = head.isKeepAlive
    if !keepAlive { headers.add(name: "Connection", value: "close") }
    let responseHead = HTTPResponseHead(version: head.version, status: status, headers: headers)
    context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
    if head.method != .HEAD, !body.isEmpty {
      var buffer = context.channel.allocator.buffer(capacity: body.count)
      buffer.writeBytes(body)
      context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }
    let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
    if !keepAlive {
      written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
  }
}

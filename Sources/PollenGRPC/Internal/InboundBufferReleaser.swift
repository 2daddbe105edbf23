import NIOCore
import NIOHTTP2

/// Lets the transport free each received message's buffer once the message is delivered.
///
/// grpc-swift-nio-transport 2.9's `GRPCMessageDeframer` keeps the buffer it assembled the last
/// message in until the stream's next DATA frame arrives, and a Flower client sends nothing
/// until its next instruction: every stream would hold its last reply (a whole model) between
/// rounds. Sitting in front of the gRPC handler, this follows each batch of DATA frames with an
/// empty one, which the deframer takes in place of its drained buffer (an empty frame changes
/// nothing else: no message, no flow-control credit). Nothing is sent once the client has
/// closed its side.
final class InboundBufferReleaser: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTP2Frame.FramePayload
  typealias InboundOut = HTTP2Frame.FramePayload

  private var sawData = false
  private var inputClosed = false
  private let empty = ByteBufferAllocator().buffer(capacity: 0)

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .data(let frame):
      sawData = sawData || frame.data.readableBytes > 0
      inputClosed = inputClosed || frame.endStream
    case .headers(let headers):
      inputClosed = inputClosed || headers.endStream
    default:
      break
    }
    context.fireChannelRead(data)
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    if sawData && !inputClosed {
      sawData = false
      context.fireChannelRead(wrapInboundOut(.data(.init(data: .byteBuffer(empty)))))
    }
    context.fireChannelReadComplete()
  }
}

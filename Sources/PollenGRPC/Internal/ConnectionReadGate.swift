import NIOCore

/// Withholds a connection's socket reads while the server's ``ReceiveBudget`` is paused,
/// unless the connection is admitted to finish the message it is receiving.
///
/// Sits at the front of each accepted TCP connection's pipeline and only withholds `read()`
/// (and turns `autoRead` off for a connection that is idle when the pause begins, which stops a
/// read already asked for); bytes pass through untouched. The connection's streams charge what
/// they receive through ``charge(_:)`` (on the event loop) and their messages give it back with
/// ``release(_:)`` (from anywhere).
///
/// Its mutable state is confined to the connection's event loop; the methods callable from
/// elsewhere hop there.
final class ConnectionReadGate: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
  typealias InboundIn = Any
  typealias OutboundIn = Any

  let budget: ReceiveBudget
  let eventLoop: any EventLoop

  // Event-loop state.
  private var context: ChannelHandlerContext?
  /// Bytes of this connection's messages received and not yet given back.
  private(set) var outstanding = 0
  /// Whether this connection, receiving, may read during a pause.
  private var admitted = false
  /// A `read()` withheld during a pause.
  private var heldRead = false
  /// `autoRead` was turned off for the pause.
  private var autoReadOff = false

  init(budget: ReceiveBudget, eventLoop: any EventLoop) {
    self.budget = budget
    self.eventLoop = eventLoop
  }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
    budget.register(self)
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    self.context = nil
    budget.unregister(self)
  }

  func channelInactive(context: ChannelHandlerContext) {
    budget.unregister(self)
    context.fireChannelInactive()
  }

  func read(context: ChannelHandlerContext) {
    if budget.isPaused {
      if outstanding == 0 {
        if budget.pauseIfStillPaused(self) {
          heldRead = true
          return
        }
      } else if !admitted {
        heldRead = true
        return
      }
    }
    context.read()
  }

  /// Whether the connection's reads are withheld now: it is receiving a message that began
  /// during a pause and has not been admitted (on the event loop).
  var isWithholding: Bool {
    eventLoop.assertInEventLoop()
    return outstanding > 0 && !admitted && budget.isPaused
  }

  /// Messages of `bytes` began to arrive on one of this connection's streams (on the event loop).
  func charge(_ bytes: Int) {
    eventLoop.assertInEventLoop()
    if outstanding == 0 { admitted = budget.becameBusy(self) }
    outstanding += bytes
    budget.charge(bytes)
  }

  /// `bytes` charged earlier are no longer held (from any thread).
  func release(_ bytes: Int) {
    guard bytes > 0 else { return }
    budget.release(bytes)
    eventLoop.execute {
      self.outstanding -= bytes
      guard self.outstanding == 0 else { return }
      let next = self.budget.becameIdle(self, wasAdmitted: self.admitted)
      self.admitted = false
      next?.admit()
      self.pauseNow()
    }
  }

  /// Reading paused: an idle connection stops reading.
  func pauseIfIdle() {
    eventLoop.execute { self.pauseNow() }
  }

  private func pauseNow() {
    guard outstanding == 0, !autoReadOff, let context, budget.isPaused, budget.pauseIfStillPaused(self)
    else { return }
    autoReadOff = true
    Self.setAutoRead(false, on: context.channel)
  }

  /// Its turn in line during a pause: read on to finish the message.
  func admit() {
    eventLoop.execute {
      self.admitted = true
      if self.autoReadOff, let context = self.context {
        self.autoReadOff = false
        Self.setAutoRead(true, on: context.channel)
      }
      self.readIfHeld()
    }
  }

  /// The pause is over: read on.
  func resume() {
    eventLoop.execute {
      self.admitted = self.outstanding > 0
      if self.autoReadOff, let context = self.context {
        self.autoReadOff = false
        Self.setAutoRead(true, on: context.channel)
      }
      self.readIfHeld()
    }
  }

  private func readIfHeld() {
    guard heldRead, let context else { return }
    heldRead = false
    context.read()
  }

  private static func setAutoRead(_ on: Bool, on channel: any Channel) {
    if let options = channel.syncOptions {
      try? options.setOption(ChannelOptions.autoRead, value: on)
    } else {
      channel.setOption(ChannelOptions.autoRead, value: on).whenFailure { _ in }
    }
  }
}

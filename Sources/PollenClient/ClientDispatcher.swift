import PollenCore

/// Answers a server's instructions by calling a `Client`: the part of Flower's client runtime
/// that every transport shares (`handle_legacy_message_from_msgtype` and
/// `handle_control_message`).
///
/// A transport receives an ``Instruction``, calls ``handle(_:)``, sends the ``Dispatch/reply``
/// and, when ``Dispatch/next`` says so, closes its connection. Errors thrown by the client are
/// passed through: the legacy protocol has no error reply, so the transport decides what to do
/// (Flower's client ends its stream).
public struct ClientDispatcher: Sendable {
  /// What the transport does after sending the reply.
  public enum Next: Sendable, Hashable {
    /// Wait for the next instruction.
    case proceed
    /// Close the connection; with a duration, connect again after sleeping that long, else stop.
    case disconnect(reconnectAfter: Duration?)
  }

  /// A reply and what to do after sending it.
  public struct Dispatch: Sendable, Hashable {
    public var reply: Reply
    public var next: Next
    public init(reply: Reply, next: Next) {
      self.reply = reply
      self.next = next
    }
  }

  /// The client that does the work.
  public let client: any Client

  public init(client: any Client) {
    self.client = client
  }

  /// Answers one instruction. `ReconnectIns` is answered without calling the client:
  /// `DisconnectRes(RECONNECT)`, then disconnect (and reconnect after `seconds` if set and > 0).
  ///
  /// - Throws: whatever the client throws.
  public func handle(_ instruction: Instruction) async throws -> Dispatch {
    switch instruction {
    case .getProperties(let ins):
      return Dispatch(reply: .getProperties(try await client.getProperties(ins)), next: .proceed)
    case .getParameters(let ins):
      return Dispatch(reply: .getParameters(try await client.getParameters(ins)), next: .proceed)
    case .fit(let ins):
      return Dispatch(reply: .fit(try await client.fit(ins)), next: .proceed)
    case .evaluate(let ins):
      return Dispatch(reply: .evaluate(try await client.evaluate(ins)), next: .proceed)
    case .reconnect(let ins):
      let after = ins.seconds.flatMap { $0 > 0 ? Duration.seconds($0) : nil }
      return Dispatch(
        reply: .disconnect(DisconnectRes(reason: .reconnect)), next: .disconnect(reconnectAfter: after))
    }
  }
}

import NIOCore
import Synchronization

/// The open connections of a ``MetricsEndpoint``, so that `stop()` can close kept-alive ones.
final class ConnectionSet: Sendable {
  private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

  /// Tracks `channel` until it closes.
  func insert(_ channel: any Channel) {
    let id = ObjectIdentifier(channel)
    channels.withLock { $0[id] = channel }
    channel.closeFuture.whenComplete { [weak self] _ in
      _ = self?.channels.withLock { $0.removeValue(forKey: id) }
    }
  }

  /// Removes and returns every tracked channel.
  func drain() -> [any Channel] {
    channels.withLock { channels in
      defer { channels.removeAll() }
      return Array(channels.values)
    }
  }
}

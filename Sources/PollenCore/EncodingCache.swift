import Synchronization

/// The encoded forms of one ``Parameters`` value (for example its tensors as `.npy` bytes in a
/// protobuf message), one per encoding type, shared by every copy of that value.
///
/// An encoding is made once, under a lock, by the first caller that asks for it; concurrent
/// callers wait for it rather than encoding again. The cache lives as long as some copy of its
/// ``Parameters`` does.
public final class EncodingCache: Sendable {
  private let entries = Mutex<[ObjectIdentifier: any Sendable]>([:])

  /// An empty cache.
  public init() {}

  /// The cached value of type `Encoding`, made by `make` when there is none yet.
  public func value<Encoding: Sendable>(_ type: Encoding.Type, _ make: () -> Encoding) -> Encoding {
    entries.withLock { entries in
      if let cached = entries[ObjectIdentifier(type)] as? Encoding { return cached }
      let made = make()
      entries[ObjectIdentifier(type)] = made
      return made
    }
  }

  /// Whether an encoding of type `Encoding` has been made.
  public func contains<Encoding>(_ type: Encoding.Type) -> Bool {
    entries.withLock { $0[ObjectIdentifier(type)] != nil }
  }
}

import Synchronization

/// Where a ``SecAggPlusClient`` keeps its round state between stage calls: one per client,
/// shared by every `SecAggPlusClient` value that stands for it (a simulation builds the client
/// afresh for every call; the session outlives those values). Safe to use from any task; a
/// client's stage calls come one at a time.
public final class SecAggPlusClientSession: Sendable {
  let state = Mutex(SecAggPlusClientState())

  public init() {}

  /// Forgets the round in progress (its keys and shares).
  public func reset() { state.withLock { $0.reset() } }
}

/// The sessions of many clients by id, for simulations (see ``SecAggPlusClientSession``).
public final class SecAggPlusClientSessions: Sendable {
  private let sessions = Mutex<[String: SecAggPlusClientSession]>([:])

  public init() {}

  /// The session of client `id`, made the first time it is asked for.
  public func session(for id: String) -> SecAggPlusClientSession {
    sessions.withLock { all in
      if let s = all[id] { return s }
      let s = SecAggPlusClientSession()
      all[id] = s
      return s
    }
  }
}

import PollenCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`): every connected client costs the server one
/// file descriptor (its TCP connection), so a server for thousands of clients raises its soft
/// limit towards the hard limit at start, and refuses to start when even the hard limit is too
/// low for the clients it promises to serve.
public enum OpenFileLimit {
  /// A soft and a hard limit on open files.
  public struct Limits: Sendable, Hashable, CustomStringConvertible {
    /// The limit the kernel enforces now.
    public var soft: UInt64
    /// The ceiling an unprivileged process may raise ``soft`` to.
    public var hard: UInt64

    public init(soft: UInt64, hard: UInt64) {
      self.soft = soft
      self.hard = hard
    }

    public var description: String { "soft \(soft), hard \(hard)" }
  }

  /// File descriptors kept for everything but client connections: the listening socket, the
  /// run store, the metrics endpoint, logs, NIO's event loops.
  public static let reserve: UInt64 = 256

  /// The file descriptors `clients` one-connection clients need, ``reserve`` included.
  public static func needed(forClients clients: Int) -> UInt64 {
    UInt64(max(clients, 0)) + reserve
  }

  /// The soft limit to set: the hard limit (capped at `cap`, e.g. macOS's `OPEN_MAX`), never
  /// below the current soft limit.
  ///
  /// - Throws: `PollenError` (`invalidArgument`) naming the limits when `clients` (with
  ///   ``reserve``) need more descriptors than the hard limit allows.
  public static func target(for limits: Limits, clients: Int?, cap: UInt64 = .max) throws -> UInt64 {
    let ceiling = min(limits.hard, cap)
    if let clients, needed(forClients: clients) > ceiling {
      throw PollenError(
        .invalidArgument,
        "--max-clients \(clients) needs about \(needed(forClients: clients)) open files (one per client plus \(reserve)), "
          + "but this process may open at most \(ceiling) (ulimit -Hn). Raise the hard limit "
          + "(ulimit -Hn, LimitNOFILE= in a systemd unit, nofile in /etc/security/limits.conf) "
          + "or lower --max-clients to \(ceiling > reserve ? ceiling - reserve : 0).")
    }
    return max(limits.soft, ceiling)
  }

  /// The current limits of this process.
  ///
  /// - Throws: `PollenError` (`internalError`) if `getrlimit` fails.
  public static func current() throws -> Limits {
    var limit = rlimit()
    guard getrlimit(resource, &limit) == 0 else {
      throw PollenError(.internalError, "getrlimit(RLIMIT_NOFILE) failed: errno \(errno)")
    }
    return Limits(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
  }

  /// Raises the soft limit to the hard limit (on macOS to at most `OPEN_MAX`) and returns the
  /// limits before and after.
  ///
  /// - Parameter clients: the most clients the process will serve (`--max-clients`), or `nil`
  ///   for no promise.
  /// - Throws: `PollenError`: `invalidArgument` when the hard limit is too low for `clients`
  ///   (see ``target(for:clients:cap:)``); `internalError` if the system refuses the new limit.
  @discardableResult
  public static func raise(forClients clients: Int? = nil) throws -> (before: Limits, after: Limits) {
    let before = try current()
    let soft = try target(for: before, clients: clients, cap: platformCap)
    guard soft != before.soft else { return (before, before) }
    var limit = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(before.hard))
    guard setrlimit(resource, &limit) == 0 else {
      throw PollenError(
        .internalError, "setrlimit(RLIMIT_NOFILE) to \(soft) failed (errno \(errno)); limits: \(before)")
    }
    return (before, try current())
  }

  #if canImport(Darwin)
    private static var resource: Int32 { RLIMIT_NOFILE }
    /// macOS refuses soft limits above `OPEN_MAX` (10240) even under an unlimited hard limit.
    private static var platformCap: UInt64 { UInt64(OPEN_MAX) }
  #else
    private static var resource: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
    private static var platformCap: UInt64 { .max }
  #endif
}

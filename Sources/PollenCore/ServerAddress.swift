/// A `host:port` address as Flower writes it: `127.0.0.1:8080`, `localhost:8080`,
/// `[::1]:8080`, `0.0.0.0:8080`, `[::]:8080` — the one parser for every address Pollen takes
/// (the server's listen address, a client's server, the metrics endpoint).
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
  /// How the host is written.
  public enum Kind: Sendable, Hashable { case ipv4, ipv6, dns }

  /// The host, without brackets for IPv6.
  public var host: String
  /// The port (0: any free port, for listening).
  public var port: Int
  /// How the host is written.
  public var kind: Kind

  /// - Throws: ``PollenError`` (`invalidArgument`) when `text` is not `host:port`.
  public init(parsing text: String) throws {
    let bad = PollenError(.invalidArgument, "server address \"\(text)\" is not HOST:PORT")
    guard let colon = text.lastIndex(of: ":") else { throw bad }
    var host = String(text[..<colon])
    guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { throw bad }
    if host.hasPrefix("["), host.hasSuffix("]") {
      host = String(host.dropFirst().dropLast())
      kind = .ipv6
    } else if host.contains(":") {
      throw bad  // an IPv6 address needs brackets
    } else if Self.isIPv4(host) {
      kind = .ipv4
    } else {
      kind = .dns
    }
    guard !host.isEmpty else { throw bad }
    self.host = host
    self.port = port
  }

  /// `host:port`, with brackets for IPv6.
  public var description: String { kind == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

  /// The same host with another port (e.g. the one bound for port 0).
  public func with(port: Int) -> ServerAddress {
    var copy = self
    copy.port = port
    return copy
  }

  private static func isIPv4(_ host: String) -> Bool {
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
  }
}

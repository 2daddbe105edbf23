import PollenClient

extension FlowerGRPCClient {
  /// How a client connects and what it does when things go wrong.
  public struct Config: Sendable {
    /// The largest message sent or received, in bytes (Flower 1.41's limit: 2 GiB − 1).
    public var maxMessageSize: Int
    /// The HTTP/2 flow-control window, in bytes.
    public var targetWindowSize: Int
    /// TLS, or `nil` for plaintext (Flower's `insecure=True`).
    public var tls: ClientTLS?
    /// When to try again after a failed connection or a broken stream (Flower's `max_retries`
    /// and `max_wait_time`).
    public var backoff: Backoff
    /// What to do when the ``Client`` throws.
    public var onClientError: ClientErrorPolicy

    public init(
      maxMessageSize: Int = Int(Int32.max), targetWindowSize: Int = 8 << 20, tls: ClientTLS? = nil,
      backoff: Backoff = .defaults, onClientError: ClientErrorPolicy = .rejoin
    ) {
      self.maxMessageSize = maxMessageSize
      self.targetWindowSize = targetWindowSize
      self.tls = tls
      self.backoff = backoff
      self.onClientError = onClientError
    }

    /// Plaintext, 2 GiB − 1 messages, Flower's backoff without limits, rejoin after client errors.
    public static var defaults: Config { Config() }
  }

  /// What the transport does when the ``Client`` throws. Flower's protocol has no error reply:
  /// either way the stream ends, so the server counts the call as a failure.
  public enum ClientErrorPolicy: Sendable, Hashable {
    /// End the stream and join again (with a new id) after the backoff delay.
    case rejoin
    /// End the stream and throw the error from `run` (what Flower's Python client does).
    case stop
  }

  /// How the client checks the server's certificate.
  public struct ClientTLS: Sendable {
    /// Trusted root certificates (PEM); `nil` trusts the system's roots.
    public var rootCertificatesPEM: [UInt8]?

    public init(rootCertificatesPEM: [UInt8]? = nil) {
      self.rootCertificatesPEM = rootCertificatesPEM
    }
  }
}

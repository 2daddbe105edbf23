extension FlowerGRPCServer {
  /// How a ``FlowerGRPCServer`` listens.
  public struct Config: Sendable {
    /// The address to bind, e.g. `"0.0.0.0"`, `"127.0.0.1"` or `"::"`.
    public var host: String
    /// The port to bind; 0 picks a free port (read it from ``FlowerGRPCServer/boundPort()``).
    public var port: Int
    /// The largest message accepted, in bytes (Flower 1.41's limit: 2 GiB − 1).
    public var maxMessageSize: Int
    /// The HTTP/2 flow-control window per stream, in bytes; large windows make large uploads
    /// fast (64 KiB, HTTP/2's default, is several times slower for 40 MB models).
    public var targetWindowSize: Int
    /// TLS, or `nil` for plaintext (Flower's `insecure=True`).
    public var tls: ServerTLS?

    public init(
      host: String = "0.0.0.0", port: Int = 8080, maxMessageSize: Int = Config.flowerMaxMessageSize,
      targetWindowSize: Int = 8 << 20, tls: ServerTLS? = nil
    ) {
      self.host = host
      self.port = port
      self.maxMessageSize = maxMessageSize
      self.targetWindowSize = targetWindowSize
      self.tls = tls
    }

    /// `0.0.0.0:8080` (Flower's default address), 2 GiB − 1 messages, 8 MiB windows, plaintext.
    public static var defaults: Config { Config() }

    /// Flower 1.41's `GRPC_MAX_MESSAGE_LENGTH`: 2 GiB − 1 bytes.
    public static let flowerMaxMessageSize = Int(Int32.max)
  }

  /// The server's certificate chain and private key, PEM-encoded.
  public struct ServerTLS: Sendable {
    /// The certificate chain, leaf first (PEM).
    public var certificateChainPEM: [UInt8]
    /// The leaf certificate's private key (PEM).
    public var privateKeyPEM: [UInt8]

    public init(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8]) {
      self.certificateChainPEM = certificateChainPEM
      self.privateKeyPEM = privateKeyPEM
    }
  }
}

import ArgumentParser
import Logging
import PollenGRPC

/// `pollen load`: many lightweight Flower-protocol clients in one process, to load a server.
struct LoadCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load",
    abstract: "Run many lightweight Flower-protocol clients (grpc-bidi) in one process against a server.",
    discussion: """
      Each client is its own flwr.proto.FlowerService/Join stream: get_parameters returns P float32 \
      zeros in L arrays, fit returns the parameters + 1 with num_examples 10, evaluate returns loss \
      0. Works against Flower's start_server and pollen server. Prints one summary line when every \
      client has been disconnected by the server (or failed); exits 1 if any client failed.
      """
  )

  @Option(help: "The server's address (HOST:PORT).")
  var server: String

  @Option(help: "Number of clients (streams).")
  var clients: Int

  @Option(name: .customLong("params"), help: "Float32 elements of the model (get_parameters).")
  var parameters = 1_000

  @Option(help: "Number of arrays the model is split into.")
  var layers = 1

  @Option(help: "Seconds each fit waits before it answers.")
  var fitDelay = 0.0

  @Option(help: "Streams sharing one HTTP/2 connection (1: one connection per client).")
  var streamsPerConnection = 1

  @Option(help: "Seconds a client keeps retrying while the server is not reachable yet.")
  var connectTimeout = 120.0

  @Option(
    help: "New connections opened per second (a burst of thousands overflows the server's listen backlog).")
  var connectRate = 500.0

  @Option(help: "The largest HTTP/2 frame the clients accept, in bytes (16384 … 16777215).")
  var maxFrameSize = 256 << 10

  @Option(help: "Bytes all connections' socket read buffers may hold together (each reads 64 … 256 KiB).")
  var readBufferMemory = 64 << 20

  @Option(help: "PEM root certificates to check the server's TLS certificate with (enables TLS).")
  var rootCertificates: String?

  func validate() throws {
    guard clients >= 1 else { throw ValidationError("--clients must be at least 1") }
    guard parameters >= 0 else { throw ValidationError("--params must not be negative") }
    guard layers >= 1 else { throw ValidationError("--layers must be at least 1") }
    guard streamsPerConnection >= 1 else {
      throw ValidationError("--streams-per-connection must be at least 1")
    }
    guard fitDelay >= 0, fitDelay <= 1e6 else {
      throw ValidationError("--fit-delay must be in 0…1e6 seconds")
    }
    guard (1 << 14)...((1 << 24) - 1) ~= maxFrameSize else {
      throw ValidationError("--max-frame-size must be in 16384…16777215 (HTTP/2's limits)")
    }
    guard readBufferMemory >= 0 else { throw ValidationError("--read-buffer-memory must not be negative") }
    guard connectRate > 0 else { throw ValidationError("--connect-rate must be positive") }
    guard connectTimeout >= 0, connectTimeout <= 1e6 else {
      throw ValidationError("--connect-timeout must be in 0…1e6 seconds")
    }
  }

  func run() async throws {
    let logger = CLILogging.logger("pollen.load", defaultLevel: .warning)
    ProcessMemory.configureForLoadGenerator()
    let connections = (clients + streamsPerConnection - 1) / streamsPerConnection
    let limits = try OpenFileLimit.raise()
    if OpenFileLimit.needed(forClients: connections) > limits.after.soft {
      logger.warning(
        "\(connections) connections may need more open files than the limit (\(limits.after)); raise ulimit -Hn or use --streams-per-connection"
      )
    }
    var config = LoadGenerator.Config(
      clients: clients, parameters: parameters, layers: layers,
      fitDelay: .milliseconds(Int64((fitDelay * 1000).rounded())), streamsPerConnection: streamsPerConnection,
      connectTimeout: .milliseconds(Int64((connectTimeout * 1000).rounded())), connectRate: connectRate,
      maxFrameSize: maxFrameSize, readBufferMemory: readBufferMemory)
    if let rootCertificates {
      config.tls = FlowerGRPCClient.ClientTLS(rootCertificatesPEM: try readFile(rootCertificates))
    }
    let summary = try await LoadGenerator(server: server, config: config, logger: logger).run()
    print(summary)
    if summary.failureCount > 0 { throw ExitCode.failure }
  }
}

import ArgumentParser
import Foundation
import Logging
import PollenCore
import PollenFleet
import PollenGRPC
import PollenPrivacy
import PollenServer
import PollenStore
import UnixSignals

/// `pollen server`: a Flower-protocol server running FedAvg, for Flower and Pollen clients.
struct ServerCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "server",
    abstract: "Run federated rounds of FedAvg with clients that speak Flower's protocol (gRPC).",
    discussion: """
      Logs "listening on HOST:PORT" to stderr once bound (use port 0 for a free port). After the \
      rounds, tells every client to disconnect and writes DIR/history.json and \
      DIR/parameters.npz (arr_0 … arr_n, loadable with numpy.load).
      """
  )

  @OptionGroup var configFile: ConfigFileOption

  @Option(help: "Address to listen on (HOST:PORT; [::]:PORT for IPv6).")
  var address = "0.0.0.0:8080"

  @Option(help: "Number of federated rounds.")
  var rounds = 1

  @Option(help: "Minimum clients to fit, evaluate and wait for before a round starts.")
  var minClients = 2

  @Option(help: "Fraction of available clients sampled for training.")
  var fractionFit = 1.0

  @Option(help: "Fraction of available clients sampled for evaluation (0 disables it).")
  var fractionEvaluate = FedAvg().fractionEvaluate  // 1.0, as the library and `pollen simulate`

  @Option(
    help: ArgumentHelp(
      "Seconds a client may take per call before it counts as a failure of the round (it keeps its stream).",
      discussion:
        "A comma list varies it by round: 20,40,60 gives round 1 20 s, round 2 40 s, later rounds 60 s.",
      valueName: "seconds[,seconds…]"))
  var roundTimeout: String?

  @Option(
    help: ArgumentHelp(
      "Seconds a client that missed the round timeout may stay silent before it is dropped (default: 600).",
      valueName: "seconds"))
  var clientGracePeriod: Double?

  @Option(
    help: ArgumentHelp(
      "The most clients (streams) served at once; more are refused with RESOURCE_EXHAUSTED (default: no limit).",
      discussion:
        "The server raises its open-file limit at start and refuses to start if the hard limit is too low.",
      valueName: "n"))
  var maxClients: Int?

  @Option(
    help: ArgumentHelp(
      "MiB of fit/evaluate instructions written to clients at once, across all streams (default: 64; 0: no bound).",
      discussion:
        "Every client's instruction shares one encoding of the model; the budget bounds the frames queued at once, so clients get their instructions in turn at full speed.",
      valueName: "MiB"))
  var sendBuffer: Int?

  @Option(
    help: ArgumentHelp(
      "MiB of client replies held between arrival and decoding, across all connections (default: 32, less beyond 2,000 --min-clients, 16 from 4,000; 0: no bound).",
      discussion:
        "Past it, connections with nothing in flight stop reading until half is decoded: replies wait in the kernel and on the clients (TCP flow control), not in the server's memory.",
      valueName: "MiB"))
  var receiveBuffer: Int?

  @Option(
    help: ArgumentHelp(
      "The most streams one IP address may hold at once; more are refused with RESOURCE_EXHAUSTED (default: no limit).",
      valueName: "n"))
  var maxStreamsPerPeer: Int?

  @Option(
    help: ArgumentHelp(
      "Seconds an IP address whose client sent a reply of the wrong kind, one that does not decode or one larger than the model allows may not open new streams (default: 30; 0: none). The client itself is dropped at once.",
      valueName: "seconds"))
  var misbehaviorThrottle: Double?

  @Option(
    help: ArgumentHelp(
      "Admit only nodes whose key is in this file (SSH public-key lines, as `pollen keygen` writes node_key.pub).",
      discussion:
        "Streams without Flower's node authentication metadata, with an unknown key, a bad signature, a stale timestamp or a replayed one are refused with UNAUTHENTICATED. The file is read again on SIGHUP.",
      valueName: "file"))
  var authKeys: String?

  @Option(help: "Directory for history.json and parameters.npz.")
  var out: String?

  @Option(help: "PEM certificate chain to serve TLS with (needs --private-key); plaintext without it.")
  var certificateChain: String?

  @Option(help: "PEM private key of the certificate chain's leaf.")
  var privateKey: String?

  @Option(
    help: ArgumentHelp(
      "Mutual TLS: require client certificates signed by these root certificates (PEM; needs --certificate-chain).",
      valueName: "file"))
  var clientCa: String?

  @Option(help: "Strategy: \(StrategyFactory.names.joined(separator: ", ")), built on the settings above.")
  var strategy = "fedavg"

  @Option(name: .customLong("strategy-option"), help: "A strategy option as key=value (repeatable).")
  var strategyOptions: [String] = []

  @Option(help: "FitIns config local_epochs (sent only when given).")
  var localEpochs: Int?

  @Option(help: "FitIns config lr (sent only when given).")
  var lr: Double?

  @Option(help: "FitIns config batch_size (sent only when given).")
  var batchSize: Int?

  @Option(
    help: ArgumentHelp(
      "FitIns config timeout: seconds of local training after which a client stops and reports its partial work (FedFS's Δ; sent only when given).",
      valueName: "seconds"))
  var fitTimeout: Double?

  @Flag(
    help:
      "Discard fit results with partial work (examples_processed < examples_possible) as failures: the Flower paper's FedAvg with timeout Δ."
  )
  var discardPartialWork = false

  @OptionGroup var metrics: MetricsOptions

  @OptionGroup var store: RunStoreOptions

  @OptionGroup var fleet: FleetOptions
  @OptionGroup var privacy: PrivacyOptions
  @OptionGroup var secagg: SecAggOptions

  @Option(
    help: "Initial global parameters from an .npz file (arr_0 …, as numpy.savez writes); no client is asked.")
  var initialParameters: String?

  @Option(help: "Seed of the client sampler (default: random; the run store saves its state either way).")
  var seed: UInt64?

  func validate() throws {
    _ = try ServerAddress(parsing: address)
    guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
    guard minClients >= 1 else { throw ValidationError("--min-clients must be at least 1") }
    if let fitTimeout, !(fitTimeout > 0 && fitTimeout.isFinite) {
      throw ValidationError("--fit-timeout must be a positive number of seconds, got \(fitTimeout)")
    }
    guard (0...1).contains(fractionFit) else { throw ValidationError("--fraction-fit must be in 0…1") }
    guard (0...1).contains(fractionEvaluate) else {
      throw ValidationError("--fraction-evaluate must be in 0…1")
    }
    _ = try roundTimeouts()
    if let clientGracePeriod, !(clientGracePeriod > 0 && clientGracePeriod <= 1e9) {
      throw ValidationError(
        "--client-grace-period must be a positive number of seconds, got \(clientGracePeriod)")
    }
    if let maxClients, maxClients < 1 { throw ValidationError("--max-clients must be at least 1") }
    if let maxStreamsPerPeer, maxStreamsPerPeer < 1 {
      throw ValidationError("--max-streams-per-peer must be at least 1")
    }
    if let misbehaviorThrottle, !(misbehaviorThrottle >= 0 && misbehaviorThrottle <= 1e7) {
      throw ValidationError("--misbehavior-throttle must be 0 or more seconds, got \(misbehaviorThrottle)")
    }
    if let sendBuffer, !(0...(1 << 20)).contains(sendBuffer) {
      throw ValidationError("--send-buffer must be between 0 and 1048576 MiB, got \(sendBuffer)")
    }
    if let receiveBuffer, !(0...(1 << 20)).contains(receiveBuffer) {
      throw ValidationError("--receive-buffer must be between 0 and 1048576 MiB, got \(receiveBuffer)")
    }
    guard clientCa == nil || certificateChain != nil else {
      throw ValidationError("--client-ca needs TLS: give --certificate-chain and --private-key too")
    }
    guard (certificateChain == nil) == (privateKey == nil) else {
      throw ValidationError("--certificate-chain and --private-key go together")
    }
  }

  func run() async throws {
    // One malloc arena per core (glibc's default is eight), replies from the heap rather than
    // mappings of their own, freed memory kept (at the heaps' tops, and not trimmed between
    // rounds) for up to 1,000 clients: see ProcessMemory.configureForServer.
    ProcessMemory.configureForServer(
      arenas: max(2, ProcessInfo.processInfo.activeProcessorCount), expectedClients: minClients)
    let logger = CLILogging.logger("pollen.server", defaultLevel: .info)
    let files: (before: OpenFileLimit.Limits, after: OpenFileLimit.Limits)
    do {
      files = try OpenFileLimit.raise(forClients: maxClients)
    } catch let error as PollenError {
      throw ValidationError(error.message)
    }
    logger.info("open files: \(files.after) (was soft \(files.before.soft))")
    let metricsEndpoint = try await metrics.start(logger: logger)
    let listen = try ServerAddress(parsing: address)
    let clientManager = SimpleClientManager(seed: seed, logger: logger)
    let fitConfig = fitInsConfig()
    var settings = StrategySettings(
      fractionFit: fractionFit, fractionEvaluate: fractionEvaluate, minFitClients: minClients,
      minEvaluateClients: minClients, minAvailableClients: minClients,
      onFitConfig: { round in fitConfig.merging(["server_round": .int(Int64(round))]) { a, _ in a } },
      onEvaluateConfig: { round in ["server_round": .int(Int64(round))] },
      fitMetricsAggregation: Aggregation.weightedNumericMetricAverages,
      evaluateMetricsAggregation: Aggregation.weightedNumericMetricAverages)
    var layout: FleetModelLayout?
    if let initialParameters {
      let (parameters, names) = try Self.loadNamedParameters(initialParameters)
      settings.initialParameters = parameters
      layout = FleetModelLayout(keys: names, shapes: parameters.tensors.map(\.shape))
      logger.info("initial parameters from \(initialParameters)")
    }
    let opened = try store.open(kind: "server", settings: runSettings(), logger: logger)
    var strategy: any Strategy = try StrategyFactory.make(
      self.strategy, options: StrategyOptionParser.parse(strategyOptions), settings: settings)
    if discardPartialWork { strategy = DiscardPartialWork(strategy) }
    if let plan = try privacy.plan(seed: seed ?? UInt64.random(in: 0...UInt64.max)) {
      if try secagg.workflow() != nil { try plan.checkCompatibleWithSecureAggregation() }
      strategy = try plan.wrap(strategy, sampledPerRound: minClients, samplingRate: fractionFit)
      logger.info("differential privacy: \(plan.mechanism.rawValue), ε reported at δ = \(plan.targetDelta)")
    }
    var serverConfig = ServerConfig(numRounds: rounds, roundTimeouts: try roundTimeouts())
    serverConfig.secureAggregation = try secagg.workflow()
    var grpcConfig = FlowerGRPCServer.Config(host: listen.host, port: listen.port)
    if let clientGracePeriod { grpcConfig.clientGracePeriod = .seconds(clientGracePeriod) }
    grpcConfig.maxClients = maxClients
    grpcConfig.expectedClients = minClients
    grpcConfig.maxStreamsPerPeer = maxStreamsPerPeer
    if let misbehaviorThrottle {
      grpcConfig.misbehaviorThrottle = .milliseconds(Int64(misbehaviorThrottle * 1000))
    }
    if let sendBuffer { grpcConfig.sendBufferSize = sendBuffer == 0 ? nil : sendBuffer << 20 }
    grpcConfig.receiveBufferSize =
      if let receiveBuffer { receiveBuffer == 0 ? nil : receiveBuffer << 20 } else {
        FlowerGRPCServer.Config.defaultReceiveBufferSize(expectedClients: minClients)
      }
    if let certificateChain, let privateKey {
      grpcConfig.tls = FlowerGRPCServer.ServerTLS(
        certificateChainPEM: try readFile(certificateChain), privateKeyPEM: try readFile(privateKey),
        clientCertificateAuthorityPEM: try clientCa.map(readFile))
    }
    var reloadKeys: Task<Void, Never>?
    if let authKeys {
      let authenticator = NodeAuthenticator(authorizedKeys: try Self.loadKeys(authKeys))
      logger.info("node authentication on: \(authenticator.authorizedKeys.count) key(s) from \(authKeys)")
      grpcConfig.nodeAuthenticator = authenticator
      let signals = await UnixSignalsSequence(trapping: .sighup)
      reloadKeys = Task {
        for await _ in signals {
          do {
            let keys = try Self.loadKeys(authKeys)
            authenticator.replaceKeys(keys)
            logger.notice("SIGHUP: \(keys.count) authorised key(s) from \(authKeys)")
          } catch {
            logger.error("SIGHUP: kept the previous keys: \(error)")
          }
        }
      }
    }
    defer { reloadKeys?.cancel() }
    let server = Server(
      clientManager: clientManager, strategy: strategy, config: serverConfig, logger: logger)
    let service = FederationService(
      server: server, grpc: grpcConfig, resumingFrom: opened?.checkpoint, recorder: opened?.store,
      logger: CLILogging.logger("pollen.grpc", defaultLevel: .info)
    ) { port in logger.info("listening on \(listen.with(port: port))") }
    // Flower SuperNodes over the Fleet API join the same client manager as the gRPC clients.
    // --auth-keys is one allow-list for both transports (reloaded on SIGHUP for both).
    var fleetAuthorizes: (@Sendable ([UInt8]) -> Bool)?
    if let authenticator = grpcConfig.nodeAuthenticator {
      fleetAuthorizes = { @Sendable (pem: [UInt8]) -> Bool in
        guard let key = try? NodePublicKey(pem: pem) else { return false }
        return authenticator.authorizedKeys.contains(key)
      }
    }
    let fleetServer = try await fleet.bind(
      clientManager: clientManager, layout: layout, authorizesKey: fleetAuthorizes, logger: logger)
    // SIGTERM/SIGINT: the round in progress is abandoned, the store keeps the last completed one.
    try await withFleetServer(fleetServer) { try await runWithShutdownSignals(service, logger: logger) }
    guard let outcome = service.outcome else { throw CancellationError() }
    let (history, parameters, stopped) = (outcome.history, outcome.parameters, outcome.stoppedEarly)
    try opened?.store.close()
    if stopped {
      let done = history.timings.last?.round ?? opened?.checkpoint?.round ?? 0
      let hint = store.state.map { "; continue with --state \($0) --resume" } ?? ""
      logger.notice("stopped by signal after round \(done)\(hint)")
    } else if let out {
      try write(history: history, parameters: parameters, to: out, logger: logger)
    }
    await metricsEndpoint?.stop()
  }

  private static func loadKeys(_ path: String) throws -> Set<NodePublicKey> {
    do {
      return try NodeAuthenticator.loadKeys(path: path)
    } catch let error as PollenError {
      throw ValidationError("--auth-keys: \(error.message)")
    }
  }

  /// The settings that define this run, saved in the run store and compared on `--resume`.
  /// `--round-timeout` as per-round limits (empty: none).
  private func roundTimeouts() throws -> [Duration] {
    guard let roundTimeout else { return [] }
    do {
      return try ServerConfig.roundTimeouts(parsing: roundTimeout)
    } catch let error as PollenError {
      throw ValidationError("--round-timeout: \(error.message)")
    }
  }

  private func runSettings() throws -> RunSettings {
    let options = try StrategyOptionParser.parse(strategyOptions)
    return RunSettings(
      [
        ("strategy", strategy),
        ("strategy_options", options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: ",")),
        ("rounds", "\(rounds)"), ("min_clients", "\(minClients)"), ("fraction_fit", "\(fractionFit)"),
        ("fraction_evaluate", "\(fractionEvaluate)"), ("seed", seed.map { "\($0)" } ?? "random"),
        ("local_epochs", localEpochs.map { "\($0)" } ?? "unset"), ("lr", lr.map { "\($0)" } ?? "unset"),
        ("batch_size", batchSize.map { "\($0)" } ?? "unset"),
        ("fit_timeout", fitTimeout.map { "\($0)" } ?? "unset"),
        ("discard_partial_work", "\(discardPartialWork)"),
        ("initial_parameters", initialParameters ?? "from a client"),
      ] + (try privacy.plan(seed: 0)?.settings ?? []))
  }

  /// The arrays of an `.npz` file, in `arr_0, arr_1, …` order (numpy.savez's names; other
  /// names in the file's order).
  static func loadParameters(_ path: String) throws -> Parameters {
    try loadNamedParameters(path).parameters
  }

  /// ``loadParameters(_:)`` with each array's name in the file (without `.npy`), in the same
  /// order: the `ArrayRecord` keys a Flower app gets over the Fleet API.
  static func loadNamedParameters(_ path: String) throws -> (parameters: Parameters, names: [String]) {
    let entries: [(name: String, array: NDArray)]
    do {
      entries = try NPZ.decode(Data(readFile(path)))
    } catch {
      throw ValidationError("--initial-parameters \(path): \(error)")
    }
    guard !entries.isEmpty else { throw ValidationError("--initial-parameters \(path) holds no arrays") }
    func index(_ name: String) -> Int? {
      let base = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
      return base.hasPrefix("arr_") ? Int(base.dropFirst(4)) : nil
    }
    let ordered =
      entries.allSatisfy { index($0.name) != nil }
      ? entries.sorted { index($0.name)! < index($1.name)! } : entries
    return (Parameters(tensors: ordered.map(\.array)), ordered.map(\.name))
  }

  private func fitInsConfig() -> Config {
    var config: Config = [:]
    if let localEpochs { config["local_epochs"] = .int(Int64(localEpochs)) }
    if let lr { config["lr"] = .double(lr) }
    if let batchSize { config["batch_size"] = .int(Int64(batchSize)) }
    if let fitTimeout { config["timeout"] = .double(fitTimeout) }
    return config
  }

  private func write(history: History, parameters: Parameters, to directory: String, logger: Logger) throws {
    let dir = URL(fileURLWithPath: directory, isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try history.jsonData().write(to: dir.appendingPathComponent("history.json"))
    try NPZ.encode(parameters.tensors).write(to: dir.appendingPathComponent("parameters.npz"))
    logger.info("wrote \(dir.path)/history.json and parameters.npz (\(parameters.tensors.count) arrays)")
  }
}

/// The bytes of the file at `path`.
func readFile(_ path: String) throws -> [UInt8] {
  guard let data = FileManager.default.contents(atPath: path) else {
    throw ValidationError("cannot read \(path)")
  }
  return [UInt8](data)
}

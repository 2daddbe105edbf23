import ArgumentParser
import Logging
import PollenClient
import PollenCore
import PollenData
import PollenGRPC
import PollenNN
import PollenPrivacy

/// `pollen client`: joins a Flower-protocol server with a model trained on local data.
struct ClientCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "client",
    abstract: "Join a Flower-protocol server (Flower's or Pollen's) and train on a data partition.",
    discussion: """
      Trains a multinomial logistic regression by SGD on partition I of N (IID, 0-based) of the \
      data set; 20% of the partition is held out for evaluate, which reports loss and accuracy. \
      Honours the FitIns config keys local_epochs, lr and batch_size.
      """
  )

  @Option(help: "The server's address (HOST:PORT).")
  var server: String

  @Option(help: "The data set: digits (UCI handwritten digits, embedded).")
  var dataset = "digits"

  @Option(help: "This client's partition as I/N (0 ≤ I < N).")
  var partition = "0/1"

  @Option(help: "Seed of the partitioning and the train/held-out split (same on every client).")
  var seed: UInt64 = 42

  @Option(help: "PEM root certificates to check the server's TLS certificate with (enables TLS).")
  var rootCertificates: String?

  @Option(
    help: ArgumentHelp(
      "Sign every stream with this node key (OpenSSH or PEM P-384 private key, as `pollen keygen` or `ssh-keygen -t ecdsa -b 384` writes).",
      valueName: "file"))
  var authKey: String?

  @Option(
    help: ArgumentHelp(
      "Mutual TLS: the certificate chain (PEM, leaf first) to present to a server that requires one (enables TLS).",
      valueName: "file"))
  var certificateChain: String?

  @Option(help: ArgumentHelp("Mutual TLS: the private key of --certificate-chain (PEM).", valueName: "file"))
  var privateKey: String?

  @Option(
    help: ArgumentHelp(
      "Stop each fit's local training after this many seconds and report the examples processed (the Flower paper's per-device cut-off τ; a server's `timeout` can only shorten it).",
      valueName: "seconds"))
  var cutoff: Double?

  @Option(
    help: ArgumentHelp(
      "Train as a device of this throughput: each fit takes examples processed / this many seconds, and a time limit stops training where such a device would (the simulator's compute model; default: as fast as this machine).",
      valueName: "examples/s"))
  var examplesPerSecond: Double?

  @Option(help: "The model: logreg (multinomial logistic regression) or mlp (one hidden ReLU layer).")
  var model = "logreg"

  @Option(help: "Units of the mlp's hidden layer (its size sets the bytes each round moves).")
  var hidden = 64

  @Option(
    help: ArgumentHelp(
      "Client-side DP middleware: client-fixed | client-adaptive (clip to the server's clipping_norm, as with `pollen server --dp client-…`) | local (clip and noise every update).",
      valueName: "KIND"))
  var dp: PrivacyPlan.Mechanism?

  @Option(
    name: .customLong("dp-option"),
    help: ArgumentHelp(
      "A local-DP option as key=value (repeatable): clipping_norm, sensitivity, epsilon, delta.",
      valueName: "key=value"))
  var dpOptions: [String] = []

  @Option(help: "Give up after this many failed connection attempts in a row (default: never).")
  var maxRetries: Int?

  @Option(help: "Give up after trying to connect for this many seconds (default: never).")
  var maxWaitTime: Double?

  func validate() throws {
    guard dataset == "digits" else {
      throw ValidationError("unknown --dataset \(dataset); available: digits")
    }
    _ = try parsePartition()
    if let maxRetries, maxRetries < 0 { throw ValidationError("--max-retries must not be negative") }
    if let maxWaitTime, !(maxWaitTime >= 0) { throw ValidationError("--max-wait-time must not be negative") }
    if let examplesPerSecond, !(examplesPerSecond > 0 && examplesPerSecond.isFinite) {
      throw ValidationError("--examples-per-second must be a positive number, got \(examplesPerSecond)")
    }
    guard ["logreg", "mlp"].contains(model) else {
      throw ValidationError("unknown --model \(model): logreg or mlp")
    }
    guard hidden >= 1 else { throw ValidationError("--hidden must be at least 1") }
    if let cutoff, !(cutoff > 0 && cutoff.isFinite) {
      throw ValidationError("--cutoff must be a positive number of seconds, got \(cutoff)")
    }
    guard (certificateChain == nil) == (privateKey == nil) else {
      throw ValidationError("--certificate-chain and --private-key go together")
    }
  }

  func run() async throws {
    let logger = CLILogging.logger("pollen.client", defaultLevel: .info)
    let (index, count) = try parsePartition()
    let all = try EmbeddedDatasets.digits()
    let part = try IIDPartitioner().partitionDatasets(all, numPartitions: count, seed: seed)[index]
    let (train, test) = part.split(trainFraction: 0.8, seed: seed &+ UInt64(index))
    logger.info(
      "partition \(index)/\(count) of digits: \(train.count) training and \(test.count) held-out examples")
    let network =
      model == "mlp"
      ? Models.mlp(inputShape: all.featureShape, hidden: [hidden], classes: all.numClasses, seed: seed)
      : Models.logisticRegression(inputShape: all.featureShape, classes: all.numClasses)
    var settings = TrainingSettings.defaults
    settings.cutoff = cutoff
    let training = TrainingClient(model: network, trainData: train, testData: test, settings: settings)
    let trained: any Client =
      if let examplesPerSecond {
        PacedTrainingClient(training, examplesPerSecond: examplesPerSecond).asClient()
      } else {
        training.asClient()
      }
    var client: any Client = trained
    if let dp {
      guard dp != .centralFixed, dp != .centralAdaptive else {
        throw ValidationError(
          "--dp \(dp.rawValue) is the server's (pollen server --dp); clients take client-fixed, client-adaptive or local"
        )
      }
      var plan = PrivacyPlan(dp, options: try StrategyOptionParser.parse(dpOptions))
      plan.seed = seed &+ UInt64(index)
      client = try plan.wrapClient(client, id: index)
      logger.info("differential privacy middleware: \(dp.rawValue)")
    }
    // Pollen clients always speak SecAgg+ (the server asks first; plain rounds pass through).
    client = SecAggPlusClient(client)
    var config = FlowerGRPCClient.Config.defaults
    if let authKey {
      do {
        config.nodeKey = try NodePrivateKey(
          fileContents: String(decoding: try readFile(authKey), as: UTF8.self))
      } catch let error as PollenError {
        throw ValidationError("--auth-key \(authKey): \(error.message)")
      }
    }
    if rootCertificates != nil || certificateChain != nil {
      config.tls = FlowerGRPCClient.ClientTLS(rootCertificatesPEM: try rootCertificates.map(readFile))
    }
    if let certificateChain, let privateKey {
      config.tls?.identity = (try readFile(certificateChain), try readFile(privateKey))
    }
    config.backoff.maxRetries = maxRetries
    config.backoff.maxWaitTime = maxWaitTime.map { .milliseconds(Int64($0 * 1000)) }
    try await FlowerGRPCClient.run(server: server, client: client, config: config, logger: logger)
  }

  private func parsePartition() throws -> (index: Int, count: Int) {
    let parts = partition.split(separator: "/")
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
      (0..<count).contains(index)
    else { throw ValidationError("--partition must be I/N with 0 ≤ I < N, got \(partition)") }
    return (index, count)
  }
}

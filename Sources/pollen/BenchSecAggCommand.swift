import ArgumentParser
import Foundation
import PollenCore
import PollenPrivacy

/// `pollen bench secagg`: the client and server time of one SecAgg+ round, stage by stage.
struct BenchSecAggCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "secagg",
    abstract: "Client and server time per SecAgg+ stage of one round (in-process clients, one at a time).")

  @Option(help: "Clients in the round.") var clients = 100
  @Option(help: "Float32 parameters per update.") var params = 100_000
  @Option(
    name: .customLong("secagg-option"),
    help: ArgumentHelp(
      "A SecAgg+ option as key=value (repeatable): \(SecAggPlusConfig.optionNames.joined(separator: ", ")).",
      valueName: "key=value"))
  var secaggOptions: [String] = []

  func validate() throws {
    guard clients >= 2, params > 0 else {
      throw ValidationError("--clients must be at least 2 and --params positive")
    }
  }

  func run() async throws {
    _ = CLILogging.logger("pollen.bench")
    let config: SecAggPlusConfig
    do {
      config = try SecAggPlusConfig(options: try StrategyOptionParser.parse(secaggOptions))
    } catch let error as PollenError {
      throw ValidationError(error.message)
    }
    let r = try await SecAggPlusBenchmark.run(clients: clients, parameters: params, config: config)
    print("pollen secagg bench: clients=\(clients) params=\(params) \(config)")
    print("stage                    clients  client total s  client ms/client  server s    wall s")
    for s in r.stages {
      let name = s.name.padding(toLength: 24, withPad: " ", startingAt: 0)
      print(
        name
          + String(
            format: " %7d  %14.3f  %16.3f  %8.3f  %8.3f", s.clients, s.clientSeconds,
            s.clientSecondsPerClient * 1000,
            s.serverSeconds, s.wallSeconds))
    }
    let client = r.stages.reduce(0) { $0 + $1.clientSeconds }
    let server = r.stages.reduce(0) { $0 + $1.serverSeconds }
    print(
      String(
        format:
          "round: client %.3f s in all (%.1f ms per client), server %.3f s; %.1f MB sent, %.1f MB received; max error vs plain FedAvg %.2e",
        client, client * 1000 / Double(clients), server, Double(r.bytesSent) / 1e6,
        Double(r.bytesReceived) / 1e6,
        r.maxError))
  }
}

import ArgumentParser
import Foundation
import Logging
import PollenCore
import PollenFleet
import PollenServer

/// `--fleet-address HOST:PORT --fab APP.fab [--run-config key=value …]`: serve Flower 1.41's
/// Fleet API next to the gRPC listener, so unmodified `flower-supernode` processes join the same
/// rounds (both transports register with one client manager).
struct FleetOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Serve Flower's Fleet API (HTTP/1.1, for `flower-supernode --insecure --superlink HOST:PORT`) on this address.",
      discussion:
        "Needs --fab. Initial weights come from --initial-parameters (its .npz keys are the ArrayRecord keys).",
      valueName: "HOST:PORT"))
  var fleetAddress: String?

  @Option(
    help: ArgumentHelp(
      "The Flower App Bundle (`flwr build` output) the SuperNodes run.", valueName: "APP.fab"))
  var fab: String?

  @Option(
    name: .customLong("run-config"),
    help: ArgumentHelp(
      "Override a value of the app's [tool.flwr.app.config] (repeatable).", valueName: "key=value"))
  var runConfig: [String] = []

  func validate() throws {
    guard (fleetAddress == nil) == (fab == nil) else {
      throw ValidationError("--fleet-address and --fab go together")
    }
    if let fleetAddress { _ = try ServerAddress(parsing: fleetAddress) }
    for entry in runConfig {
      do { _ = try FleetRun.parseRunConfig(entry) } catch let error as PollenError {
        throw ValidationError(error.message)
      }
    }
  }

  /// Binds the Fleet API when `--fleet-address` is given and logs `fleet api listening on
  /// HOST:PORT`; `nil` without the option.
  func bind(
    clientManager: any ClientManager, layout: FleetModelLayout?,
    authorizesKey: (@Sendable ([UInt8]) -> Bool)?,
    logger: Logger
  ) async throws -> FleetHTTPServer? {
    guard let fleetAddress, let fab else { return nil }
    let address = try ServerAddress(parsing: fleetAddress)
    var overrides: Config = [:]
    for entry in runConfig {
      let (key, value) = try FleetRun.parseRunConfig(entry)
      overrides[key] = value
    }
    let run: FleetRun
    do {
      run = try FleetRun(fab: Data(readFile(fab)), overrideConfig: overrides)
    } catch let error as PollenError {
      throw ValidationError("--fab \(fab): \(error.message)")
    }
    if layout == nil {
      logger.warning(
        "--fleet-address without --initial-parameters: SuperNodes cannot provide initial weights")
    }
    let state = FleetState(
      run: run, layout: layout, clientManager: clientManager,
      logger: CLILogging.logger("pollen.fleet", defaultLevel: .info))
    var config = FleetHTTPServer.Config(host: address.host, port: address.port)
    config.authorizesKey = authorizesKey
    let server = try await FleetHTTPServer.bind(config: config, state: state)
    logger.info(
      "fleet api listening on \(address.with(port: server.port)) (run \(run.runID), app \(run.fabID) \(run.fabVersion), fab \(run.fabHash.prefix(12)))"
    )
    return server
  }
}

/// Runs `body` while `fleet` (if any) serves; the server stops when `body` returns.
func withFleetServer<T: Sendable>(_ fleet: FleetHTTPServer?, _ body: @Sendable () async throws -> T)
  async throws -> T
{
  guard let fleet else { return try await body() }
  return try await withThrowingTaskGroup(of: T?.self) { group in
    group.addTask {
      try await fleet.run()
      return nil
    }
    let value: T
    do {
      value = try await body()
    } catch {
      fleet.shutdown()
      throw error
    }
    // Close the listener and let run() finish the connections it accepted (cancelling it could
    // drop one accepted at that moment unclosed).
    fleet.shutdown()
    try await group.waitForAll()
    return value
  }
}

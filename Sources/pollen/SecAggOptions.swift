import ArgumentParser
import PollenCore
import PollenPrivacy

/// `--secagg [--secagg-option key=value …]`: SecAgg+ secure aggregation of the fit rounds for
/// `server` and `simulate` (the clients must run Pollen's `SecAggPlusClient` middleware, which
/// `pollen client` and simulated clients always have; plain Flower clients are refused).
struct SecAggOptions: ParsableArguments {
  @Flag(
    help: ArgumentHelp(
      "SecAgg+ secure aggregation: the server only ever sees the masked sum of the fit updates.",
      discussion:
        "Pollen clients take part; clients without the capability (plain Flower clients) are refused from the round, as failures."
    ))
  var secagg = false

  @Option(
    name: .customLong("secagg-option"),
    help: ArgumentHelp(
      "A SecAgg+ option as key=value (repeatable): \(SecAggPlusConfig.optionNames.joined(separator: ", ")) (defaults: num_shares=5, reconstruction_threshold=3, max_weight=1000, clipping_range=8, quantization_range=2^22, modulus_range=2^32, timeout=the round's).",
      valueName: "key=value"))
  var secaggOptions: [String] = []

  func validate() throws {
    if !secagg, !secaggOptions.isEmpty { throw ValidationError("--secagg-option needs --secagg") }
    _ = try config()
  }

  /// The validated settings, or `nil` without `--secagg`.
  func config() throws -> SecAggPlusConfig? {
    guard secagg else { return nil }
    do {
      return try SecAggPlusConfig(options: try StrategyOptionParser.parse(secaggOptions))
    } catch let error as PollenError {
      throw ValidationError(error.message)
    }
  }

  /// The server's workflow, or `nil` without `--secagg`.
  func workflow() throws -> SecAggPlusWorkflow? {
    try config().map { try SecAggPlusWorkflow($0) }
  }
}

import PollenCore
import PollenServer

/// Parses `--strategy-option key=value` lists.
enum StrategyOptionParser {
  static func parse(_ items: [String]) throws -> [String: String] {
    var out: [String: String] = [:]
    for item in items {
      let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, !parts[0].isEmpty else {
        throw PollenError(.invalidArgument, "strategy option '\(item)' is not key=value")
      }
      out[parts[0]] = parts[1]
    }
    return out
  }
}

/// Builds the strategy the CLI names on top of the common FedAvg settings.
enum StrategyChoice {
  @Sendable static func make(_ name: String, _ options: [String: String], _ base: FedAvg) throws -> any Strategy {
    guard name.lowercased() == "fedavg", options.isEmpty else {
      throw PollenError(.invalidArgument, "unknown strategy '\(name)' or options \(options); available: fedavg")
    }
    return base
  }
}

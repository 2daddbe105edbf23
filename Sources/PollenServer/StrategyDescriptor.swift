import PollenCore

/// One strategy the CLI can build by name: its name, the options it adds to the common FedAvg
/// ones, the FedAvg it starts from, and how to build it. ``StrategyCatalogue`` holds one per
/// strategy, so adding a strategy touches one place.
public struct StrategyDescriptor: Sendable {
  /// The name in lower case without `-` or `_` (`faulttolerantfedavg`).
  public let name: String
  /// The strategy's own options (Flower's snake_case names).
  public let specificOptionKeys: [String]
  /// Whether the strategy takes `accept_failures` (FaultTolerantFedAvg always accepts them).
  public let acceptsFailureOption: Bool
  /// The FedAvg the common options and ``StrategySettings`` are applied to.
  public let baseFedAvg: FedAvg
  /// Builds the strategy from its options and its configured inner FedAvg.
  public let make: @Sendable (StrategyOptions, FedAvg) throws -> any Strategy

  /// A descriptor; `make` receives the options (already checked against the accepted keys) and
  /// `baseFedAvg` with the settings and common options applied.
  public init(
    _ name: String, options: [String] = [], acceptsFailureOption: Bool = true, baseFedAvg: FedAvg = FedAvg(),
    make: @escaping @Sendable (StrategyOptions, FedAvg) throws -> any Strategy
  ) {
    self.name = name
    self.specificOptionKeys = options
    self.acceptsFailureOption = acceptsFailureOption
    self.baseFedAvg = baseFedAvg
    self.make = make
  }
}

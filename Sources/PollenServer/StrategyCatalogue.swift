import PollenCore

/// Every strategy the CLI builds by name, one ``StrategyDescriptor`` each (`StrategyFactory.catalogue`); a
/// program adds its own with ``adding(_:)``.
public struct StrategyCatalogue: Sendable {
  /// The descriptors, in the order the CLI lists them.
  public private(set) var descriptors: [StrategyDescriptor]

  public init(_ descriptors: [StrategyDescriptor]) { self.descriptors = descriptors }

  /// This catalogue with `descriptor` added (replacing one of the same name).
  public func adding(_ descriptor: StrategyDescriptor) -> StrategyCatalogue {
    StrategyCatalogue(descriptors.filter { $0.name != descriptor.name } + [descriptor])
  }

  /// The strategy names, as the CLI lists them.
  public var names: [String] { descriptors.map(\.name) }

  /// The descriptor of `name` (`-`, `_` and case ignored); throws for an unknown name.
  public func descriptor(_ name: String) throws -> StrategyDescriptor {
    let canonical = String(name.lowercased().filter { $0 != "-" && $0 != "_" })
    guard let found = descriptors.first(where: { $0.name == canonical }) else {
      throw PollenError(
        .invalidArgument, "unknown strategy '\(name)'; valid strategies: \(names.joined(separator: ", "))")
    }
    return found
  }

  /// Every option `name` accepts: the common FedAvg ones, then its own.
  public func optionKeys(for name: String) throws -> [String] {
    let d = try descriptor(name)
    let common =
      d.acceptsFailureOption
      ? StrategyFactory.commonOptionKeys : StrategyFactory.commonOptionKeys.filter { $0 != "accept_failures" }
    return common + d.specificOptionKeys
  }

  /// The strategy `name` with `options` applied on top of `settings` and the strategy's defaults.
  public func make(
    _ name: String, options: [String: String] = [:], settings: StrategySettings = StrategySettings()
  ) throws -> any Strategy {
    let d = try descriptor(name)
    let o = StrategyOptions(options, strategy: d.name)
    try o.check(valid: try optionKeys(for: d.name))
    let fedAvg = try StrategyFactory.commonOptions(o).applied(to: settings.applied(to: d.baseFedAvg))
    return try d.make(o, fedAvg)
  }
}

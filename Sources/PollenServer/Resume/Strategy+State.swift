import PollenCore

// Each stateful strategy's ``Strategy/exportState()`` and ``Strategy/restoreState(_:)``.
// Strategies whose state lives only within a round (FedAvg's running sum, QFedAvg's round
// model) or that have none (FedMedian, Krum, …) use the protocol's defaults.

extension FedAvgM {
  /// The server model and the momentum vector (Flower's `initial_parameters` and `momentum_vector`).
  public func exportState() -> StrategyState {
    var s = StrategyState()
    s.set("server_model", serverModel)
    s.set("momentum_vector", momentumVector)
    return s
  }

  public mutating func restoreState(_ state: StrategyState) throws {
    serverModel = state.arrays["server_model"]
    momentumVector = state.arrays["momentum_vector"]
  }
}

extension FedOpt {
  /// The server model `x_t` and the moments `m_t`, `v_t`.
  public func exportState() -> StrategyState {
    var s = StrategyState()
    s.set("current_weights", currentWeights)
    s.set("m_t", m)
    s.set("v_t", v)
    return s
  }

  /// Restores ``exportState()``'s entries.
  public mutating func restoreState(_ state: StrategyState) {
    currentWeights = state.arrays["current_weights"]
    m = state.arrays["m_t"]
    v = state.arrays["v_t"]
  }
}

extension FedOptBased {
  public func exportState() -> StrategyState { fedOpt.exportState() }
  public mutating func restoreState(_ state: StrategyState) throws { fedOpt.restoreState(state) }
}

extension FedFS {
  /// Each client's work contributions: `contribution/<cid>` = [done, possible].
  public func exportState() -> StrategyState {
    var s = StrategyState()
    for (cid, c) in contributions {
      s.arrays["contribution/\(cid)"] = [NDArray([c.done, c.possible])]
    }
    return s
  }

  public mutating func restoreState(_ state: StrategyState) throws {
    var restored: [String: (done: Double, possible: Double)] = [:]
    for (key, arrays) in state.arrays where key.hasPrefix("contribution/") {
      guard let values = arrays.first?.doubles(), values.count == 2 else {
        throw PollenError(.invalidArgument, "FedFS state \"\(key)\" is not [done, possible]")
      }
      restored[String(key.dropFirst("contribution/".count))] = (values[0], values[1])
    }
    contributions = restored
  }
}

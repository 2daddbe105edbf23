import PollenCore

/// One instruction from a server to a client: the five kinds of Flower's `ServerMessage`.
///
/// Transports decode their wire messages into instructions and hand them to a
/// ``ClientDispatcher``, so every transport answers them the same way.
public enum Instruction: Sendable, Hashable {
  case getProperties(GetPropertiesIns)
  case getParameters(GetParametersIns)
  case fit(FitIns)
  case evaluate(EvaluateIns)
  case reconnect(ReconnectIns)

  /// The kind of reply this instruction expects.
  public var expectedReply: Reply.Kind {
    switch self {
    case .getProperties: return .getProperties
    case .getParameters: return .getParameters
    case .fit: return .fit
    case .evaluate: return .evaluate
    case .reconnect: return .disconnect
    }
  }
}

/// One reply from a client to a server: the five kinds of Flower's `ClientMessage`.
public enum Reply: Sendable, Hashable {
  case getProperties(GetPropertiesRes)
  case getParameters(GetParametersRes)
  case fit(FitRes)
  case evaluate(EvaluateRes)
  case disconnect(DisconnectRes)

  /// What kind of reply this is.
  public enum Kind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case getProperties = "get_properties_res"
    case getParameters = "get_parameters_res"
    case fit = "fit_res"
    case evaluate = "evaluate_res"
    case disconnect = "disconnect_res"

    /// Flower's field name of the reply, e.g. `fit_res`.
    public var description: String { rawValue }
  }

  /// What kind of reply this is.
  public var kind: Kind {
    switch self {
    case .getProperties: return .getProperties
    case .getParameters: return .getParameters
    case .fit: return .fit
    case .evaluate: return .evaluate
    case .disconnect: return .disconnect
    }
  }
}

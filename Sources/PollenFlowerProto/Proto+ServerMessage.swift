import PollenClient
import PollenCore

// Instructions ⇄ ServerMessage.

extension Flwr_Proto_ServerMessage {
  /// The wire form of `instruction`; `ReconnectIns.seconds == nil` is 0 on the wire. The
  /// parameters of `FitIns` and `EvaluateIns` are encoded once per ``Parameters`` value and
  /// shared by every message that carries it.
  package init(_ instruction: Instruction) {
    self.init()
    switch instruction {
    case .getProperties(let ins):
      var m = GetPropertiesIns()
      m.config = protoMap(ins.config)
      msg = .getPropertiesIns(m)
    case .getParameters(let ins):
      var m = GetParametersIns()
      m.config = protoMap(ins.config)
      msg = .getParametersIns(m)
    case .fit(let ins):
      var m = FitIns()
      m.parameters = .shared(ins.parameters)
      m.config = protoMap(ins.config)
      msg = .fitIns(m)
    case .evaluate(let ins):
      var m = EvaluateIns()
      m.parameters = .shared(ins.parameters)
      m.config = protoMap(ins.config)
      msg = .evaluateIns(m)
    case .reconnect(let ins):
      var m = ReconnectIns()
      m.seconds = Int64(ins.seconds ?? 0)
      msg = .reconnectIns(m)
    }
  }
}

extension Instruction {
  /// Decodes a server's message; `seconds == 0` becomes `nil`.
  ///
  /// - Throws: `PollenError`: `invalidMessage` when no instruction is set or a config value is
  ///   unset, `invalidTensor` when a tensor is not valid `.npy`.
  package init(proto: Flwr_Proto_ServerMessage) throws {
    switch proto.msg {
    case .getPropertiesIns(let m):
      self = .getProperties(GetPropertiesIns(config: try scalarMap(m.config)))
    case .getParametersIns(let m):
      self = .getParameters(GetParametersIns(config: try scalarMap(m.config)))
    case .fitIns(let m):
      self = .fit(FitIns(parameters: try Parameters(proto: m.parameters), config: try scalarMap(m.config)))
    case .evaluateIns(let m):
      self = .evaluate(
        EvaluateIns(parameters: try Parameters(proto: m.parameters), config: try scalarMap(m.config)))
    case .reconnectIns(let m):
      guard let seconds = Int(exactly: m.seconds) else {
        throw PollenError(.invalidMessage, "reconnect_ins.seconds \(m.seconds) is out of range")
      }
      self = .reconnect(ReconnectIns(seconds: seconds == 0 ? nil : seconds))
    case nil:
      throw PollenError(.invalidMessage, "server message carries no instruction")
    }
  }
}

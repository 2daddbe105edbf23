import PollenClient
import PollenCore

// Replies ⇄ ClientMessage.

extension Flwr_Proto_ClientMessage {
  /// The wire form of `reply`. `EvaluateRes.loss` becomes a 32-bit float, as on Flower's wire.
  package init(_ reply: Reply) {
    self.init()
    switch reply {
    case .getProperties(let res):
      var m = GetPropertiesRes()
      m.status = Flwr_Proto_Status(res.status)
      m.properties = protoMap(res.properties)
      msg = .getPropertiesRes(m)
    case .getParameters(let res):
      var m = GetParametersRes()
      m.status = Flwr_Proto_Status(res.status)
      m.parameters = Flwr_Proto_Parameters(res.parameters)
      msg = .getParametersRes(m)
    case .fit(let res):
      var m = FitRes()
      m.status = Flwr_Proto_Status(res.status)
      m.parameters = Flwr_Proto_Parameters(res.parameters)
      m.numExamples = Int64(res.numExamples)
      m.metrics = protoMap(res.metrics)
      msg = .fitRes(m)
    case .evaluate(let res):
      var m = EvaluateRes()
      m.status = Flwr_Proto_Status(res.status)
      m.loss = Float(res.loss)
      m.numExamples = Int64(res.numExamples)
      m.metrics = protoMap(res.metrics)
      msg = .evaluateRes(m)
    case .disconnect(let res):
      var m = DisconnectRes()
      m.reason = Flwr_Proto_Reason(res.reason)
      msg = .disconnectRes(m)
    }
  }

  /// The kind of reply this message carries, or `nil` when none is set.
  package var replyKind: Reply.Kind? {
    switch msg {
    case .getPropertiesRes: return .getProperties
    case .getParametersRes: return .getParameters
    case .fitRes: return .fit
    case .evaluateRes: return .evaluate
    case .disconnectRes: return .disconnect
    case nil: return nil
    }
  }
}

extension Reply {
  /// Decodes a client's message.
  ///
  /// - Throws: `PollenError`: `invalidMessage` when no reply is set, a status code is unknown,
  ///   a metric is unset or `num_examples` is negative; `invalidTensor` ("tensor 2: …") when a
  ///   tensor is not valid `.npy`.
  package init(proto: Flwr_Proto_ClientMessage) throws {
    switch proto.msg {
    case .getPropertiesRes(let m):
      self = .getProperties(
        GetPropertiesRes(status: try Status(proto: m.status), properties: try scalarMap(m.properties)))
    case .getParametersRes(let m):
      self = .getParameters(
        GetParametersRes(status: try Status(proto: m.status), parameters: try Parameters(proto: m.parameters))
      )
    case .fitRes(let m):
      self = .fit(
        FitRes(
          status: try Status(proto: m.status), parameters: try Parameters(proto: m.parameters),
          numExamples: try exampleCount(m.numExamples), metrics: try scalarMap(m.metrics)))
    case .evaluateRes(let m):
      self = .evaluate(
        EvaluateRes(
          status: try Status(proto: m.status), loss: Double(m.loss),
          numExamples: try exampleCount(m.numExamples), metrics: try scalarMap(m.metrics)))
    case .disconnectRes(let m):
      self = .disconnect(DisconnectRes(reason: Reason(proto: m.reason)))
    case nil:
      throw PollenError(.invalidMessage, "client message carries no reply")
    }
  }
}

private func exampleCount(_ n: Int64) throws -> Int {
  guard n >= 0, let count = Int(exactly: n) else {
    throw PollenError(.invalidMessage, "num_examples is \(n)")
  }
  return count
}

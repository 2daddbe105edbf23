import PollenClient
import PollenCore
import Testing

@Suite struct ClientDispatcherTests {
  struct Echo: Client {
    func fit(_ ins: FitIns) async throws -> FitRes {
      FitRes(parameters: ins.parameters, numExamples: 3, metrics: ins.config)
    }
    func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes {
      if ins.config["fail"] != nil { throw PollenError(.clientFailed, "asked to fail") }
      return EvaluateRes(loss: 0.5, numExamples: 2)
    }
  }

  let dispatcher = ClientDispatcher(client: Echo())

  @Test func fitAndEvaluateCallTheClient() async throws {
    let ins = FitIns(parameters: Parameters(tensors: [NDArray([Float(1)])]), config: ["lr": 0.1])
    let fit = try await dispatcher.handle(.fit(ins))
    #expect(fit.reply == .fit(FitRes(parameters: ins.parameters, numExamples: 3, metrics: ["lr": 0.1])))
    #expect(fit.next == .proceed)
    let evaluate = try await dispatcher.handle(.evaluate(EvaluateIns(parameters: .empty)))
    #expect(evaluate.reply == .evaluate(EvaluateRes(loss: 0.5, numExamples: 2)))
  }

  @Test func unimplementedMethodsAnswerNotImplemented() async throws {
    let props = try await dispatcher.handle(.getProperties(GetPropertiesIns()))
    guard case .getProperties(let res) = props.reply else { Issue.record("wrong reply"); return }
    #expect(res.status.code == .getPropertiesNotImplemented)
    let params = try await dispatcher.handle(.getParameters(GetParametersIns()))
    guard case .getParameters(let p) = params.reply else { Issue.record("wrong reply"); return }
    #expect(p.status.code == .getParametersNotImplemented)
  }

  @Test func reconnectAnswersWithoutTheClient() async throws {
    let stop = try await dispatcher.handle(.reconnect(ReconnectIns(seconds: nil)))
    #expect(stop.reply == .disconnect(DisconnectRes(reason: .reconnect)))
    #expect(stop.next == .disconnect(reconnectAfter: nil))
    let later = try await dispatcher.handle(.reconnect(ReconnectIns(seconds: 3)))
    #expect(later.next == .disconnect(reconnectAfter: .seconds(3)))
    let zero = try await dispatcher.handle(.reconnect(ReconnectIns(seconds: 0)))
    #expect(zero.next == .disconnect(reconnectAfter: nil))
  }

  @Test func clientErrorsPassThrough() async {
    await #expect(throws: PollenError.self) {
      try await dispatcher.handle(.evaluate(EvaluateIns(parameters: .empty, config: ["fail": true])))
    }
  }

  @Test func replyKindsMatchInstructions() {
    #expect(Instruction.fit(FitIns(parameters: .empty)).expectedReply == .fit)
    #expect(Instruction.reconnect(ReconnectIns()).expectedReply == .disconnect)
    #expect(Reply.disconnect(DisconnectRes(reason: .ack)).kind == .disconnect)
    #expect(Reply.Kind.fit.description == "fit_res")
  }
}

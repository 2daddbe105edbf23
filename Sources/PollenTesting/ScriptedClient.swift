import PollenCore

/// A client whose replies are scripted: fixed parameters, example counts and losses, or
/// misbehaviour (throwing, sleeping, sending NaN or wrongly shaped tensors).
public struct ScriptedClient: Client {
  /// What the client does when asked to fit.
  public enum Behaviour: Sendable {
    /// Returns `parameters` with `numExamples`.
    case reply(parameters: [NDArray], numExamples: Int, metrics: Metrics = [:])
    /// Adds `delta` to every element of the received parameters.
    case addDelta(Float, numExamples: Int)
    /// Throws an error.
    case fail
    /// Replies with a non-OK status.
    case notImplemented
    /// Sleeps this long, then behaves like `then`.
    indirect case sleep(Duration, then: Behaviour)
  }

  public var fitBehaviour: Behaviour
  public var loss: Double
  public var evaluateExamples: Int
  public var evaluateMetrics: Metrics
  public var initialParameters: [NDArray]

  public init(
    fit: Behaviour, loss: Double = 1, evaluateExamples: Int = 10, evaluateMetrics: Metrics = [:],
    initialParameters: [NDArray] = []
  ) {
    self.fitBehaviour = fit
    self.loss = loss
    self.evaluateExamples = evaluateExamples
    self.evaluateMetrics = evaluateMetrics
    self.initialParameters = initialParameters
  }

  public func getParameters(_ ins: GetParametersIns) async throws -> GetParametersRes {
    GetParametersRes(parameters: Parameters(tensors: initialParameters))
  }

  public func fit(_ ins: FitIns) async throws -> FitRes {
    try await run(fitBehaviour, ins)
  }

  private func run(_ behaviour: Behaviour, _ ins: FitIns) async throws -> FitRes {
    switch behaviour {
    case .reply(let p, let n, let m):
      return FitRes(parameters: Parameters(tensors: p), numExamples: n, metrics: m)
    case .addDelta(let d, let n):
      let p = ins.parameters.tensors.map { t in
        NDArray(t.scalars(as: Float.self).map { $0 + d }, shape: t.shape)
      }
      return FitRes(parameters: Parameters(tensors: p), numExamples: n)
    case .fail:
      throw PollenError(.clientFailed, "scripted failure")
    case .notImplemented:
      return FitRes(
        status: Status(code: .fitNotImplemented, message: "no"), parameters: .empty, numExamples: 0)
    case .sleep(let d, let then):
      try await Task.sleep(for: d)
      return try await run(then, ins)
    }
  }

  public func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes {
    EvaluateRes(loss: loss, numExamples: evaluateExamples, metrics: evaluateMetrics)
  }
}

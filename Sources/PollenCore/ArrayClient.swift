/// What ``ArrayClient/fit(parameters:config:)`` returns.
public struct ArrayFitResult: Sendable {
  public var parameters: [NDArray]
  public var numExamples: Int
  public var metrics: Metrics
  public init(parameters: [NDArray], numExamples: Int, metrics: Metrics = [:]) {
    self.parameters = parameters
    self.numExamples = numExamples
    self.metrics = metrics
  }
}

/// What ``ArrayClient/evaluate(parameters:config:)`` returns.
public struct ArrayEvaluateResult: Sendable {
  public var loss: Double
  public var numExamples: Int
  public var metrics: Metrics
  public init(loss: Double, numExamples: Int, metrics: Metrics = [:]) {
    self.loss = loss
    self.numExamples = numExamples
    self.metrics = metrics
  }
}

/// A client that works on arrays, like Flower's `NumPyClient`. Wrap it with ``asClient()`` to
/// get a ``Client`` for a transport or a simulation.
///
/// Throwing from a method makes that call a failure on the server; it does not end the client.
public protocol ArrayClient: Sendable {
  func getProperties(config: Config) async throws -> Properties
  func getParameters(config: Config) async throws -> [NDArray]
  func fit(parameters: [NDArray], config: Config) async throws -> ArrayFitResult
  func evaluate(parameters: [NDArray], config: Config) async throws -> ArrayEvaluateResult
}

extension ArrayClient {
  public func getProperties(config: Config) async throws -> Properties { [:] }
  /// This client as a ``Client``.
  public func asClient() -> ArrayClientAdapter<Self> { ArrayClientAdapter(self) }
}

/// Adapts an ``ArrayClient`` to the ``Client`` protocol.
public struct ArrayClientAdapter<Wrapped: ArrayClient>: Client {
  public let wrapped: Wrapped
  public init(_ wrapped: Wrapped) { self.wrapped = wrapped }

  public func getProperties(_ ins: GetPropertiesIns) async throws -> GetPropertiesRes {
    GetPropertiesRes(status: .ok, properties: try await wrapped.getProperties(config: ins.config))
  }

  public func getParameters(_ ins: GetParametersIns) async throws -> GetParametersRes {
    GetParametersRes(
      status: .ok, parameters: Parameters(tensors: try await wrapped.getParameters(config: ins.config)))
  }

  public func fit(_ ins: FitIns) async throws -> FitRes {
    let r = try await wrapped.fit(parameters: ins.parameters.tensors, config: ins.config)
    return FitRes(
      status: .ok, parameters: Parameters(tensors: r.parameters), numExamples: r.numExamples,
      metrics: r.metrics)
  }

  public func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes {
    let r = try await wrapped.evaluate(parameters: ins.parameters.tensors, config: ins.config)
    return EvaluateRes(status: .ok, loss: r.loss, numExamples: r.numExamples, metrics: r.metrics)
  }
}

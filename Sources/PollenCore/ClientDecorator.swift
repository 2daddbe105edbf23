/// A client that wraps another and changes some of its calls (client middleware: an attack, a
/// straggler, clipping): every call it does not implement goes to ``wrapped`` unchanged.
public protocol ClientDecorator: Client {
  /// The client whose calls are passed on.
  var wrapped: any Client { get }
}

extension ClientDecorator {
  public func getProperties(_ ins: GetPropertiesIns) async throws -> GetPropertiesRes {
    try await wrapped.getProperties(ins)
  }

  public func getParameters(_ ins: GetParametersIns) async throws -> GetParametersRes {
    try await wrapped.getParameters(ins)
  }

  public func fit(_ ins: FitIns) async throws -> FitRes {
    try await wrapped.fit(ins)
  }

  public func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes {
    try await wrapped.evaluate(ins)
  }
}

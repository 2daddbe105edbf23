/// A federated learning client: the code that runs where the data lives.
///
/// Conformers implement ``fit(_:)`` and ``evaluate(_:)`` at least; the defaults of the other
/// methods answer "not implemented", as Flower's clients do. Methods may be called concurrently
/// only by simulation engines that say so; a transport calls them one at a time.
public protocol Client: Sendable {
  func getProperties(_ ins: GetPropertiesIns) async throws -> GetPropertiesRes
  func getParameters(_ ins: GetParametersIns) async throws -> GetParametersRes
  func fit(_ ins: FitIns) async throws -> FitRes
  func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes
}

extension Client {
  public func getProperties(_ ins: GetPropertiesIns) async throws -> GetPropertiesRes {
    GetPropertiesRes(
      status: Status(
        code: .getPropertiesNotImplemented, message: "Client does not implement `get_properties`"))
  }
  public func getParameters(_ ins: GetParametersIns) async throws -> GetParametersRes {
    GetParametersRes(
      status: Status(
        code: .getParametersNotImplemented, message: "Client does not implement `get_parameters`"),
      parameters: .empty)
  }
  public func fit(_ ins: FitIns) async throws -> FitRes {
    FitRes(
      status: Status(code: .fitNotImplemented, message: "Client does not implement `fit`"),
      parameters: .empty, numExamples: 0)
  }
  public func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes {
    EvaluateRes(
      status: Status(code: .evaluateNotImplemented, message: "Client does not implement `evaluate`"),
      loss: 0, numExamples: 0)
  }
}

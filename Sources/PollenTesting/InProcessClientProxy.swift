import PollenCore

/// A `ClientProxy` that calls a `Client` in the same process, for tests.
public final class InProcessClientProxy: ClientProxy {
  public let cid: String
  public let client: any Client

  public init(cid: String, client: any Client) {
    self.cid = cid
    self.client = client
  }

  public func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    try await client.getProperties(ins)
  }
  public func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    try await client.getParameters(ins)
  }
  public func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes { try await client.fit(ins) }
  public func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes {
    try await client.evaluate(ins)
  }
  public func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes {
    DisconnectRes(reason: .reconnect)
  }
}

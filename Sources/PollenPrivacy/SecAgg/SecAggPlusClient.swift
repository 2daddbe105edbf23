import PollenCore

/// Client middleware for SecAgg+ (Flower's `secaggplus_mod`,
/// `flwr/client/mod/secure_aggregation/secaggplus_mod.py`): answers the stage calls of a
/// `SecAggPlusWorkflow` and passes every other call to the wrapped client unchanged.
///
/// - `get_properties` with ``SecAggPlusProtocol/capabilityKey`` in its config is answered with
///   the capability (``SecAggPlusProtocol/capabilityValue``); other property calls pass through.
/// - A `fit` whose config has ``SecAggPlusProtocol/stageKey`` is a stage: setup, share_keys and
///   unmask are answered here; collect_masked_vectors trains the wrapped client (with the
///   SecAgg+ keys removed from the config) and answers with its masked update. A refused stage
///   (wrong order, session, or malformed payload) is answered with a non-OK status naming why
///   (the legacy protocol has no error reply; a thrown error would end a gRPC stream), and the
///   round's state is dropped.
///
/// Put it outermost, after any middleware that changes the update (clipping, local DP).
public struct SecAggPlusClient: ClientDecorator {
  public let wrapped: any Client
  /// The round state; pass the same session to every value that stands for one client.
  public let session: SecAggPlusClientSession

  public init(_ wrapped: any Client, session: SecAggPlusClientSession = SecAggPlusClientSession()) {
    self.wrapped = wrapped
    self.session = session
  }

  public func getProperties(_ ins: GetPropertiesIns) async throws -> GetPropertiesRes {
    guard ins.config[SecAggPlusProtocol.capabilityKey] != nil else {
      return try await wrapped.getProperties(ins)
    }
    return GetPropertiesRes(
      properties: [SecAggPlusProtocol.capabilityKey: .string(SecAggPlusProtocol.capabilityValue)])
  }

  public func fit(_ ins: FitIns) async throws -> FitRes {
    guard let stageValue = ins.config[SecAggPlusProtocol.stageKey] else { return try await wrapped.fit(ins) }
    do {
      guard let name = stageValue.stringValue, let stage = SecAggPlusProtocol.Stage(rawValue: name) else {
        throw PollenError(.invalidMessage, "SecAgg+: unknown stage \(stageValue)")
      }
      guard let sessionID = ins.config[SecAggPlusProtocol.sessionKey]?.stringValue,
        case .bytes(let payload)? = ins.config[SecAggPlusProtocol.payloadKey]
      else { throw PollenError(.invalidMessage, "SecAgg+ \(name): session or payload missing") }
      return try await run(stage, session: sessionID, payload: payload, ins: ins)
    } catch let error as PollenError {
      session.reset()
      return FitRes(
        status: Status(code: .fitNotImplemented, message: "\(error.message)"), parameters: .empty,
        numExamples: 0)
    } catch {
      session.reset()
      throw error
    }
  }

  private func reply(_ payload: [UInt8], parameters: Parameters = .empty) -> FitRes {
    FitRes(parameters: parameters, numExamples: 0, metrics: [SecAggPlusProtocol.payloadKey: .bytes(payload)])
  }

  private func run(_ stage: SecAggPlusProtocol.Stage, session id: String, payload: [UInt8], ins: FitIns)
    async throws -> FitRes
  {
    switch stage {
    case .setup:
      let request = try SecAggPlusMessages.SetupRequest(decoding: payload)
      return reply(
        try session.state.withLock { s throws(PollenError) in try s.setup(session: id, request) }.encoded)
    case .shareKeys:
      let request = try SecAggPlusMessages.ShareKeysRequest(decoding: payload)
      return reply(
        try session.state.withLock { s throws(PollenError) in try s.shareKeys(session: id, request) }.encoded)
    case .collectMaskedVectors:
      let request = SecAggPlusMessages.CollectRequest(
        ciphertexts: try [SecAggPlusMessages.Ciphertext](decoding: payload, context: "collect_masked_vectors")
      )
      try session.state.withLock { s throws(PollenError) in try s.receiveShares(session: id, request) }
      var plain = ins
      plain.config = SecAggPlusProtocol.strippingProtocolKeys(ins.config)
      let res = try await wrapped.fit(plain)
      guard res.status.code == .ok else {
        session.reset()
        return res
      }
      let (tensor, layout) = try session.state.withLock { s throws(PollenError) in try s.mask(res) }
      return reply(layout.encoded, parameters: Parameters(tensors: [tensor]))
    case .unmask:
      let request = try SecAggPlusMessages.UnmaskRequest(decoding: payload)
      return reply(
        try session.state.withLock { s throws(PollenError) in try s.unmask(session: id, request) }.encoded)
    }
  }
}

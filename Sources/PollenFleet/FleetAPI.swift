import Logging
import PollenCore
import PollenFleetProto
import PollenFlowerProto
import SwiftProtobuf

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The 12 `POST /v1/fleet/*` endpoints of Flower 1.41's Fleet API
/// (`flwr/superlink/routers/fleet/router.py`, `flwr/superlink/servicer/fleet/fleet_handlers.py`)
/// over a ``FleetState``, independent of HTTP: a path and a protobuf body in, a
/// ``FleetResponse`` out.
///
/// Bodies are `flwr.proto` messages serialized deterministically (`flwr/proto/fleet.proto`,
/// `heartbeat.proto`, `run.proto`, `fab.proto`, `message.proto`). A body that does not decode is
/// 400; calls about another run are 403 ("run not running", which the node ignores).
///
/// With ``verifiesSignatures`` (the default, as the SuperLink always does), every call must carry
/// the node's signed headers and name only its own node (see `FleetNodeAuth`); otherwise it is
/// 401, which makes the SuperNode stop.
public struct FleetAPI: Sendable {
  /// The state the endpoints act on.
  public let state: FleetState
  /// Whether calls must carry valid `flwr-public-key`/`flwr-timestamp`/`flwr-signature`
  /// headers whose key is the node's (`flwr/superlink/routers/fleet/node_auth.py`).
  public let verifiesSignatures: Bool
  /// The allow-list of node keys (`pollen server --auth-keys`, shared with the gRPC transport),
  /// asked with a signer's PEM public key; `nil`: every key that signs correctly may join, as on
  /// a SuperLink without `--enable-supernode-auth`. A key not on the list cannot register (412,
  /// Flower's "SuperNode authentication is enabled" refusal, which ends the node with that
  /// message) nor make any other call (401).
  public let authorizesKey: (@Sendable ([UInt8]) -> Bool)?

  /// The endpoints of `state`.
  public init(
    state: FleetState, verifiesSignatures: Bool = true, authorizesKey: (@Sendable ([UInt8]) -> Bool)? = nil
  ) {
    self.state = state
    self.verifiesSignatures = verifiesSignatures || authorizesKey != nil
    self.authorizesKey = authorizesKey
  }

  /// The path prefix of every endpoint.
  public static let prefix = "/v1/fleet/"

  /// The endpoint names, in the order a SuperNode first calls them.
  public static let endpoints = [
    "register-node", "activate-node", "send-node-heartbeat", "pull-messages", "get-run", "get-fab",
    "pull-object", "confirm-message-received", "push-messages", "push-object", "deactivate-node",
    "unregister-node",
  ]

  /// Answers `POST path` with `body`; `headers` by lowercase name.
  public func handle(path: String, body: [UInt8], headers: [String: String] = [:]) async -> FleetResponse {
    guard path.hasPrefix(Self.prefix) else { return .error(.notFound("no endpoint \(path)")) }
    let name = String(path.dropFirst(Self.prefix.count))
    do {
      var signer: [UInt8]?
      if verifiesSignatures, Self.endpoints.contains(name) {
        signer = try FleetNodeAuth.verify(headers, now: state.now).get()
        if let authorizesKey, let key = signer, !authorizesKey(key) {
          state.logger.warning("fleet \(name): refused a node whose key is not in the authorised keys")
          throw name == "register-node" ? FleetNodeAuth.notAuthorized : FleetNodeAuth.refusal
        }
      }
      return .protobuf(try await route(name, body, signer: signer))
    } catch let error as FleetError {
      if error.status >= 500 || error.status == 404 {
        state.logger.warning("fleet \(name): \(error)")
      } else {
        state.logger.info("fleet \(name): \(error)")
      }
      return .error(error)
    } catch {
      state.logger.error("fleet \(name): \(error)")
      return .error(.unavailable("\(error)"))
    }
  }

  private func route(_ name: String, _ body: [UInt8], signer: [UInt8]?) async throws -> [UInt8] {
    await state.sweep()
    /// The signer must be the node the request names (its key, or the node of its key).
    func authorize(key: Data) throws(FleetError) {
      if let signer, signer != [UInt8](key) { throw FleetNodeAuth.refusal }
    }
    func authorize(node: UInt64) throws(FleetError) {
      if let signer, state.nodeID(forKey: signer) != node { throw FleetNodeAuth.refusal }
    }
    switch name {
    case "register-node":
      let request = try decode(Flwr_Proto_RegisterNodeFleetRequest.self, body)
      try authorize(key: request.publicKey)
      var response = Flwr_Proto_RegisterNodeFleetResponse()
      response.nodeID = try state.register(publicKey: [UInt8](request.publicKey))
      return try encode(response)
    case "activate-node":
      let request = try decode(Flwr_Proto_ActivateNodeRequest.self, body)
      try authorize(key: request.publicKey)
      var response = Flwr_Proto_ActivateNodeResponse()
      response.nodeID = try await state.activate(
        publicKey: [UInt8](request.publicKey), interval: request.heartbeatInterval)
      return try encode(response)
    case "send-node-heartbeat":
      let request = try decode(Flwr_Proto_SendNodeHeartbeatRequest.self, body)
      try authorize(node: request.node.nodeID)
      var response = Flwr_Proto_SendNodeHeartbeatResponse()
      response.success = try await state.heartbeat(
        nodeID: request.node.nodeID, interval: request.heartbeatInterval)
      return try encode(response)
    case "pull-messages":
      let request = try decode(Flwr_Proto_PullMessagesRequest.self, body)
      try authorize(node: request.node.nodeID)
      var response = Flwr_Proto_PullMessagesResponse()
      if let message = state.pull(nodeID: request.node.nodeID) {
        response.messagesList = [message.message.fleetProto]
        response.messageObjectTrees = [message.tree.proto]
      }
      return try encode(response)
    case "get-run":
      let request = try decode(Flwr_Proto_GetRunRequest.self, body)
      try authorize(node: request.node.nodeID)
      try checkRun(request.runID)
      var response = Flwr_Proto_GetRunResponse()
      response.run = runProto
      return try encode(response)
    case "get-fab":
      let request = try decode(Flwr_Proto_GetFabRequest.self, body)
      try authorize(node: request.node.nodeID)
      try checkRun(request.runID)
      guard request.hashStr == state.run.fabHash else {
        throw FleetError.runNotRunning("no FAB with hash \(request.hashStr) in run \(request.runID)")
      }
      var response = Flwr_Proto_GetFabResponse()
      response.fab.hashStr = state.run.fabHash
      response.fab.content = state.run.fab
      return try encode(response)
    case "pull-object":
      let request = try decode(Flwr_Proto_PullObjectRequest.self, body)
      try authorize(node: request.node.nodeID)
      try checkRun(request.runID)
      var response = Flwr_Proto_PullObjectResponse()
      if let content = state.object(request.objectID) {
        response.objectFound = true
        response.objectAvailable = true
        response.objectContent = content
      }
      return try encode(response)
    case "confirm-message-received":
      let request = try decode(Flwr_Proto_ConfirmMessageReceivedRequest.self, body)
      try authorize(node: request.node.nodeID)
      try checkRun(request.runID)
      state.confirm(nodeID: request.node.nodeID, messageID: request.messageObjectID)
      return try encode(Flwr_Proto_ConfirmMessageReceivedResponse())
    case "push-messages":
      let request = try decode(Flwr_Proto_PushMessagesRequest.self, body)
      try authorize(node: request.node.nodeID)
      guard request.messagesList.count == 1, request.messageObjectTrees.count == 1 else {
        throw FleetError.badRequest(
          "push-messages carries one message and its tree, not \(request.messagesList.count)")
      }
      try checkRun(request.messagesList[0].metadata.runID)
      let (ids, session) = state.pushMessage(
        nodeID: request.node.nodeID, replyTo: request.messagesList[0].metadata.replyToMessageID,
        tree: ObjectTree(proto: request.messageObjectTrees[0]))
      var response = Flwr_Proto_PushMessagesResponse()
      response.objectsToPush = ids
      response.sessionID = session
      return try encode(response)
    case "push-object":
      let request = try decode(Flwr_Proto_PushObjectRequest.self, body)
      try authorize(node: request.node.nodeID)
      try checkRun(request.runID)
      var response = Flwr_Proto_PushObjectResponse()
      response.stored = state.pushObject(
        nodeID: request.node.nodeID, sessionID: request.sessionID, objectID: request.objectID,
        content: request.objectContent)
      return try encode(response)
    case "deactivate-node":
      let request = try decode(Flwr_Proto_DeactivateNodeRequest.self, body)
      try authorize(node: request.nodeID)
      await state.deactivate(nodeID: request.nodeID)
      return try encode(Flwr_Proto_DeactivateNodeResponse())
    case "unregister-node":
      let request = try decode(Flwr_Proto_UnregisterNodeFleetRequest.self, body)
      try authorize(node: request.nodeID)
      await state.unregister(nodeID: request.nodeID)
      return try encode(Flwr_Proto_UnregisterNodeFleetResponse())
    default:
      throw FleetError.notFound("no endpoint \(Self.prefix)\(name)")
    }
  }

  /// The run as get-run returns it: status `running` (`flwr/common/constant.py::Status`).
  private var runProto: Flwr_Proto_Run {
    var run = Flwr_Proto_Run()
    run.runID = state.run.runID
    run.fabID = state.run.fabID
    run.fabVersion = state.run.fabVersion
    run.fabHash = state.run.fabHash
    run.overrideConfig = state.run.overrideConfig.mapValues { Flwr_Proto_Scalar($0) }
    run.status.status = "running"
    run.status.subStatus = ""
    run.status.details = ""
    return run
  }

  private func checkRun(_ runID: UInt64) throws(FleetError) {
    guard runID == state.run.runID else { throw .runNotRunning("run \(runID) is not running on this server") }
  }

  private func decode<M: SwiftProtobuf.Message>(_ type: M.Type, _ body: [UInt8]) throws(FleetError) -> M {
    do {
      return try M(serializedBytes: body)
    } catch {
      throw .badRequest("the body is not a \(M.protoMessageName): \(error)")
    }
  }

  private func encode(_ message: some SwiftProtobuf.Message) throws -> [UInt8] {
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    return try message.serializedBytes(options: options)
  }
}

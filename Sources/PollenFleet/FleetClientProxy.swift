import PollenCore
import PollenFleetProto
import PollenServer

/// The server's handle on one SuperNode connected over the Fleet API: a `ClientProxy` the
/// `ClientManager` samples like any gRPC client.
///
/// `fit` sends a `train` message and `evaluate` an `evaluate` message as Flower 1.41's
/// Message-API FedAvg builds them (`flwr/serverapp/strategy/fedavg.py`: content
/// `{"arrays", "config" + "server-round"}`; metadata as `Grid.create_message`: source node 1,
/// TTL 43,200 s, created now), queue it for the node and wait for its reply (see
/// ``FleetState/send(_:timeout:)``). An error reply, content FedAvg would not aggregate, a node
/// that goes offline and a timeout are failures of that call. A SuperNode has no
/// `get_parameters`: initial weights come from the server (`--initial-parameters`).
public final class FleetClientProxy: ClientProxy {
  /// The node's ID as a decimal string.
  public let cid: String
  /// The node's ID.
  public let nodeID: UInt64
  private let state: FleetState

  /// Each call's `timeout` bounds the wait for the node's reply.
  public var enforcesTimeouts: Bool { true }

  /// Available while the node is online (heard from within 2× its heartbeat interval).
  public var isAvailable: Bool { state.isOnline(nodeID) }

  init(nodeID: UInt64, state: FleetState) {
    self.nodeID = nodeID
    self.cid = "\(nodeID)"
    self.state = state
  }

  public func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    GetPropertiesRes(
      status: Status(code: .getPropertiesNotImplemented, message: "a SuperNode has no properties"))
  }

  public func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    throw PollenError(
      .notImplemented,
      "a Flower SuperNode cannot be asked for parameters: start the server with --initial-parameters")
  }

  public func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes {
    let keys = FleetContent.keys(count: ins.parameters.tensors.count, layout: state.layout)
    let reply = try await state.send(
      message("train", ins.parameters, ins.config, keys: keys), timeout: timeout)
    await UpdateLease.current?.acquire()
    return try FleetContent.fitRes(reply, keys: keys, shapes: ins.parameters.tensors.map(\.shape))
  }

  public func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes {
    let keys = FleetContent.keys(count: ins.parameters.tensors.count, layout: state.layout)
    let reply = try await state.send(
      message("evaluate", ins.parameters, ins.config, keys: keys), timeout: timeout)
    return try FleetContent.evaluateRes(reply)
  }

  /// A SuperNode is not told to disconnect (it keeps polling until it is stopped).
  public func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes {
    DisconnectRes(reason: .ack)
  }

  private func message(_ type: String, _ parameters: Parameters, _ config: Config, keys: [String])
    -> FlowerMessage
  {
    FlowerMessage(
      metadata: FlowerMetadata(
        runID: state.run.runID, srcNodeID: FleetNodeRegistry.superlinkNodeID, dstNodeID: nodeID,
        ttl: 43_200, messageType: type, createdAt: state.now),
      content: FleetContent.instruction(parameters: parameters, config: config, keys: keys))
  }
}

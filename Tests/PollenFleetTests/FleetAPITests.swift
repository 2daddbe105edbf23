import Foundation
import PollenCore
import PollenFleetProto
import PollenFlowerProto
import PollenServer
import SwiftProtobuf
import Testing

@testable import PollenFleet

/// The endpoints of ``FleetAPI`` as a SuperNode calls them, without HTTP.
@Suite struct FleetAPITests {
  static let pyproject = """
    [project]
    name = "demo"
    version = "2.1.0"

    [tool.flwr.app]
    publisher = "acme"

    [tool.flwr.app.components]
    serverapp = "demo.server_app:app"
    clientapp = "demo.client_app:app"
    """

  static func fab() -> Data {
    ZipArchive.stored([
      ("pyproject.toml", Data(pyproject.utf8)), ("demo/client_app.py", Data("app = None\n".utf8)),
    ])
  }

  static func api() throws -> (FleetAPI, SimpleClientManager) {
    let manager = SimpleClientManager(seed: 1)
    let run = try FleetRun(runID: 77, fab: fab(), overrideConfig: ["lr": .double(0.5)])
    let state = FleetState(
      run: run, layout: FleetModelLayout(keys: ["w"], shapes: [[2]]), clientManager: manager)
    return (FleetAPI(state: state, verifiesSignatures: false), manager)
  }

  static func call<Response: SwiftProtobuf.Message>(
    _ api: FleetAPI, _ name: String, _ request: some SwiftProtobuf.Message, as: Response.Type
  ) async throws -> Response {
    let response = await api.handle(path: "/v1/fleet/\(name)", body: try request.serializedBytes())
    try #require(response.status == 200, "\(name): \(String(decoding: response.body, as: UTF8.self))")
    #expect(response.contentType == "application/protobuf")
    return try Response(serializedBytes: response.body)
  }

  @Test func theRunAndItsFabComeFromTheBundle() throws {
    let run = try FleetRun(runID: 5, fab: Self.fab())
    #expect(run.fabID == "acme/demo")
    #expect(run.fabVersion == "2.1.0")
    #expect(run.fabHash == InflatableObject.objectID(of: Self.fab()))
    #expect(throws: PollenError.self) { try FleetRun(fab: Data("not a zip".utf8)) }
    #expect(try FleetRun.parseRunConfig("lr=0.1") == ("lr", .double(0.1)))
    #expect(try FleetRun.parseRunConfig("epochs = 3") == ("epochs", .int(3)))
    #expect(try FleetRun.parseRunConfig("name=\"x y\"") == ("name", .string("x y")))
    #expect(try FleetRun.parseRunConfig("flag=true") == ("flag", .bool(true)))
    #expect(try FleetRun.parseRunConfig("path=a/b") == ("path", .string("a/b")))
  }

  @Test func aNodeRegistersActivatesAndJoinsTheClientManager() async throws {
    let (api, manager) = try Self.api()
    var register = Flwr_Proto_RegisterNodeFleetRequest()
    register.publicKey = Data("key".utf8)
    let registered = try await Self.call(
      api, "register-node", register, as: Flwr_Proto_RegisterNodeFleetResponse.self)
    #expect(await manager.numAvailable() == 0)
    var activate = Flwr_Proto_ActivateNodeRequest()
    activate.publicKey = register.publicKey
    activate.heartbeatInterval = 30
    let activated = try await Self.call(
      api, "activate-node", activate, as: Flwr_Proto_ActivateNodeResponse.self)
    #expect(activated.nodeID == registered.nodeID)
    #expect(await manager.numAvailable() == 1)
    #expect(await manager.all().keys.contains("\(activated.nodeID)"))
    var heartbeat = Flwr_Proto_SendNodeHeartbeatRequest()
    heartbeat.node.nodeID = activated.nodeID
    heartbeat.heartbeatInterval = 30
    #expect(
      try await Self.call(
        api, "send-node-heartbeat", heartbeat, as: Flwr_Proto_SendNodeHeartbeatResponse.self
      ).success)
    heartbeat.node.nodeID = 12345
    #expect(
      !(try await Self.call(
        api, "send-node-heartbeat", heartbeat, as: Flwr_Proto_SendNodeHeartbeatResponse.self
      ).success))
    var pull = Flwr_Proto_PullMessagesRequest()
    pull.node.nodeID = activated.nodeID
    #expect(
      try await Self.call(api, "pull-messages", pull, as: Flwr_Proto_PullMessagesResponse.self).messagesList
        .isEmpty)
    var deactivate = Flwr_Proto_DeactivateNodeRequest()
    deactivate.nodeID = activated.nodeID
    _ = try await Self.call(api, "deactivate-node", deactivate, as: Flwr_Proto_DeactivateNodeResponse.self)
    #expect(await manager.all().isEmpty)
    var unregister = Flwr_Proto_UnregisterNodeFleetRequest()
    unregister.nodeID = activated.nodeID
    _ = try await Self.call(
      api, "unregister-node", unregister, as: Flwr_Proto_UnregisterNodeFleetResponse.self)
    // The key may register again, as a new node.
    _ = try await Self.call(api, "register-node", register, as: Flwr_Proto_RegisterNodeFleetResponse.self)
  }

  @Test func getRunAndGetFabServeTheRunAndTheBytesVerbatim() async throws {
    let (api, _) = try Self.api()
    var getRun = Flwr_Proto_GetRunRequest()
    getRun.runID = 77
    let run = try await Self.call(api, "get-run", getRun, as: Flwr_Proto_GetRunResponse.self).run
    #expect(run.runID == 77 && run.fabID == "acme/demo" && run.fabVersion == "2.1.0")
    #expect(run.fabHash == InflatableObject.objectID(of: Self.fab()))
    #expect(run.status.status == "running")
    #expect(run.overrideConfig["lr"] == Flwr_Proto_Scalar(.double(0.5)))
    var getFab = Flwr_Proto_GetFabRequest()
    getFab.runID = 77
    getFab.hashStr = run.fabHash
    let fab = try await Self.call(api, "get-fab", getFab, as: Flwr_Proto_GetFabResponse.self).fab
    #expect(fab.content == Self.fab() && fab.hashStr == run.fabHash)
    // Another run, or another FAB: 403 (the node drops the message; it does not exit).
    getRun.runID = 78
    #expect(await api.handle(path: "/v1/fleet/get-run", body: try getRun.serializedBytes()).status == 403)
    getFab.hashStr = String(repeating: "0", count: 64)
    #expect(await api.handle(path: "/v1/fleet/get-fab", body: try getFab.serializedBytes()).status == 403)
  }

  @Test func errorsAreFlowerJSONWithFlowerStatuses() async throws {
    let (api, _) = try Self.api()
    let unknown = await api.handle(path: "/v1/fleet/nope", body: [])
    #expect(unknown.status == 404 && unknown.contentType == "application/json")
    let garbage = await api.handle(path: "/v1/fleet/pull-messages", body: [0xFF, 0xFF, 0xFF])
    #expect(garbage.status == 400)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(garbage.body)) as? [String: Any])
    #expect(json["code"] as? Int == 400)
    #expect((json["detail"] as? String)?.contains("PullMessagesRequest") == true)
    var activate = Flwr_Proto_ActivateNodeRequest()
    activate.publicKey = Data("never registered".utf8)
    activate.heartbeatInterval = 30
    #expect(
      await api.handle(path: "/v1/fleet/activate-node", body: try activate.serializedBytes()).status == 412)
    var register = Flwr_Proto_RegisterNodeFleetRequest()
    register.publicKey = activate.publicKey
    _ = await api.handle(path: "/v1/fleet/register-node", body: try register.serializedBytes())
    #expect(
      await api.handle(path: "/v1/fleet/register-node", body: try register.serializedBytes()).status == 409)
    activate.heartbeatInterval = 5
    #expect(
      await api.handle(path: "/v1/fleet/activate-node", body: try activate.serializedBytes()).status == 400)
  }
}

import Foundation
import PollenCore
import PollenFleetProto
import PollenServer
import SwiftProtobuf
import Testing

@testable import PollenFleet

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// ``FleetHTTPServer`` over a real socket: routing, keep-alive, the body limit, methods.
@Suite struct FleetHTTPServerTests {
  static func post(_ port: Int, _ path: String, _ body: Data, method: String = "POST") async throws -> (
    Int, Data
  ) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.setValue("application/protobuf", forHTTPHeaderField: "Content-Type")
    if method == "POST" { request.httpBody = body }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as! HTTPURLResponse).statusCode, data)
  }

  @Test func servesTheFleetAPIAndRefusesWhatFlowerWouldNotSend() async throws {
    let run = try FleetRun(runID: 77, fab: FleetAPITests.fab())
    let state = FleetState(run: run, clientManager: SimpleClientManager(seed: 1))
    let server = try await FleetHTTPServer.bind(
      config: FleetHTTPServer.Config(
        host: "127.0.0.1", port: 0, maxBodySize: 1024, verifiesSignatures: false),
      state: state)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await server.run() }
      var getRun = Flwr_Proto_GetRunRequest()
      getRun.runID = 77
      for _ in 0..<3 {
        let (status, body) = try await Self.post(
          server.port, "/v1/fleet/get-run", try getRun.serializedBytes())
        #expect(status == 200)
        #expect(try Flwr_Proto_GetRunResponse(serializedBytes: body).run.fabID == "acme/demo")
      }
      let (empty, emptyBody) = try await Self.post(server.port, "/v1/fleet/pull-messages", Data())
      #expect(empty == 200 && emptyBody.isEmpty)
      #expect(try await Self.post(server.port, "/v1/fleet/get-run", Data(count: 2048)).0 == 413)
      #expect(try await Self.post(server.port, "/v1/fleet/get-run", Data(), method: "GET").0 == 405)
      let (missing, json) = try await Self.post(server.port, "/v1/control/start-run", Data())
      #expect(missing == 404)
      #expect(String(decoding: json, as: UTF8.self).hasPrefix("{\"code\": 404, \"detail\": "))
      group.cancelAll()
    }
  }
}

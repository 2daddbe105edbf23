import PollenClient
import PollenCore
import PollenFlowerProto
import Testing

@testable import PollenGRPC

/// The canned answers of a ``LoadGenerator`` client and its summary line.
struct LoadSessionTests {
  @Test func getParametersReturnsZerosSplitIntoLayers() throws {
    let message = LoadSession.initialParametersReply(parameters: 10, layers: 3)
    guard case .getParameters(let res) = try Reply(proto: message) else {
      Issue.record("not a get_parameters reply: \(message)")
      return
    }
    #expect(res.status == .ok)
    #expect(res.parameters.tensors.map(\.shape) == [[4], [3], [3]])
    #expect(
      res.parameters.tensors.allSatisfy {
        $0.dtype == .float32 && $0.scalars(as: Float.self).allSatisfy { $0 == 0 }
      })
  }

  @Test func fitReturnsTheParametersPlusOneWithTenExamples() throws {
    let received = Parameters(tensors: [
      NDArray([Float(1), -2, 3.5], shape: [3]), NDArray([Double(0.25)], shape: []),
    ])
    let message = try LoadSession.fitReply(Flwr_Proto_Parameters(received))
    guard case .fit(let res) = try Reply(proto: message) else {
      Issue.record("not a fit reply: \(message)")
      return
    }
    #expect(res.status == .ok && res.numExamples == 10)
    #expect(
      res.parameters.tensors == [
        NDArray([Float(2), -1, 4.5], shape: [3]), NDArray([Double(1.25)], shape: []),
      ])
  }

  @Test func theFitReplyCacheAnswersEachInputWithItsOwnPlusOne() throws {
    let cache = FitReplyCache()
    let ones = Flwr_Proto_Parameters(Parameters(tensors: [NDArray([Float(1), 1])]))
    let twos = Flwr_Proto_Parameters(Parameters(tensors: [NDArray([Float(2), 2])]))
    func values(_ message: Flwr_Proto_ClientMessage) throws -> [Float] {
      guard case .fit(let res) = try Reply(proto: message) else { return [] }
      return res.parameters.tensors[0].scalars(as: Float.self)
    }
    #expect(try values(cache.reply(to: ones)) == [2, 2])
    #expect(try values(cache.reply(to: ones)) == [2, 2])
    #expect(try values(cache.reply(to: twos)) == [3, 3])
    #expect(try values(cache.reply(to: ones)) == [2, 2])
  }

  @Test func summaryLineNamesEveryCountAndTheFailureReasons() {
    let summary = LoadGenerator.Summary(
      clients: 10_000, connected: 1_000, peakConnected: 1_000, getParameters: 1, fits: 3_000, evaluates: 0,
      getProperties: 0, disconnected: 1_000, failures: ["resourceExhausted": 9_000], wallSeconds: 12.345)
    #expect(
      summary.description
        == "pollen load: 10000 clients, 1000 connected (peak 1000 at once), 3000 fits, 0 evaluates, "
        + "1 get_parameters answered, 1000 disconnected by the server, 9000 failures (resourceExhausted 9000), "
        + "wall 12.3 s")
  }
}

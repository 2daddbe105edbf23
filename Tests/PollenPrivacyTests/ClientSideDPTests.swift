import Foundation
import PollenCore
import PollenPrivacy
import PollenServer
import PollenTesting
import Testing

@Suite("Client-side DP: middleware and the server's check")
struct ClientSideDPTests {
  /// A client whose fit returns `update` added to the model it received.
  struct Adds: Client {
    let update: [Float]
    func fit(_ ins: FitIns) async throws -> FitRes {
      let model = ins.parameters.tensors[0].doubles()
      return FitRes(
        parameters: Parameters(tensors: [vector(zip(model, update).map { Float($0 + Double($1)) })]),
        numExamples: 3)
    }
  }

  func ins(norm: Double?) -> FitIns {
    FitIns(
      parameters: Parameters(tensors: [vector([1, 1])]),
      config: norm.map { ["clipping_norm": .double($0)] } ?? [:])
  }

  @Test("FixedClippingClient clips the update to the server's norm; no norm is a clear error")
  func fixed() async throws {
    let client = FixedClippingClient(Adds(update: [3, 4]))
    let res = try await client.fit(ins(norm: 1))
    let values = res.parameters.tensors[0].doubles()
    #expect(abs(values[0] - 1.6) < 1e-6 && abs(values[1] - 1.8) < 1e-6, "\(values)")
    let small = try await client.fit(ins(norm: 10)).parameters.tensors[0].doubles()
    #expect(small == [4, 5])
    await #expect(throws: PollenError.self) { try await client.fit(ins(norm: nil)) }
  }

  @Test("AdaptiveClippingClient reports norm_bit = clipped, as Flower's adaptiveclipping_mod")
  func adaptive() async throws {
    let client = AdaptiveClippingClient(Adds(update: [3, 4]))
    #expect(try await client.fit(ins(norm: 1)).metrics["norm_bit"] == .bool(true))
    #expect(try await client.fit(ins(norm: 5)).metrics["norm_bit"] == .bool(false))
  }

  @Test("LocalDPClient: clipped, then noise of sensitivity·√(2 ln(1.25/δ))/ε")
  func local() async throws {
    let std = LocalDPClient.noiseStdDev(sensitivity: 1, epsilon: 2, delta: 1e-5)
    #expect(abs(std - (2 * log(1.25e5)).squareRoot() / 2) < 1e-12)
    let n = 20000
    let client = try LocalDPClient(
      Adds(update: [Float](repeating: 0, count: n)), clippingNorm: 1, sensitivity: 1, epsilon: 2, delta: 1e-5,
      seed: 7)
    let fit = FitIns(parameters: Parameters(tensors: [vector([Float](repeating: 0, count: n))]))
    let values = try await client.fit(fit).parameters.tensors[0].doubles()
    let mean = values.reduce(0, +) / Double(n)
    let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
    #expect(abs(mean) < 0.1 && abs(sd - std) / std < 0.03, "mean \(mean) sd \(sd) want \(std)")
    #expect(throws: PollenError.self) {
      try LocalDPClient(Adds(update: []), clippingNorm: 1, sensitivity: 1, epsilon: 0, delta: 1e-5)
    }
  }

  @Test(
    "client-side fixed: the server clips an update that exceeds the norm (a client without the middleware)")
  func serverChecksTheClip() throws {
    var s = try DifferentialPrivacyClientSideFixedClipping(
      plainFedAvg, noiseMultiplier: 0, clippingNorm: 1, numSampledClients: 2, seed: 1)
    s.currentRoundParameters = [vector([0, 0])]
    let out = s.aggregateFit(
      serverRound: 1, results: [result("honest", [0.6, 0.8]), result("liar", [30, 40])], failures: [])
    let values = try #require(out.parameters).tensors[0].doubles()
    #expect(abs(values[0] - 0.6) < 1e-6 && abs(values[1] - 0.8) < 1e-6, "\(values)")
  }

  @Test("client-side wrappers send clipping_norm in every FitIns")
  func configureFitSendsTheNorm() async throws {
    let manager = SimpleClientManager()
    for i in 0..<2 {
      _ = await manager.register(InProcessClientProxy(cid: "c\(i)", client: Adds(update: [0])))
    }
    var s = try DifferentialPrivacyClientSideFixedClipping(
      FedAvg(fractionFit: 1, minFitClients: 2, minAvailableClients: 2), noiseMultiplier: 0, clippingNorm: 0.7,
      numSampledClients: 2)
    let instructions = await s.configureFit(
      serverRound: 1, parameters: Parameters(tensors: [vector([0])]), clientManager: manager)
    #expect(instructions.count == 2)
    #expect(instructions.allSatisfy { $0.ins.config["clipping_norm"] == .double(0.7) })
  }
}

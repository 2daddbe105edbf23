import Foundation
import PollenCore
import PollenPrivacy
import PollenServer
import Testing

@Suite("Adaptive clipping (Andrew et al.)")
struct AdaptiveClippingTests {
  /// The case: every update has norm 1 and C₀ = 0.1. Flower's rule (counting clipped
  /// updates) shrinks the norm 0.1 → 0.0905 → … → 0.050 over 7 rounds; Andrew et al.'s grows it
  /// toward 1 and then holds it near the median (here: all norms are 1).
  @Test("with every update of norm 1 and C₀ = 0.1 the norm grows toward 1", arguments: [false, true])
  func normGrowsTowardUpdateNorm(clientSide: Bool) throws {
    var settings = AdaptiveClippingSettings(noiseMultiplier: 0, numSampledClients: 4)
    settings.initialClippingNorm = 0.1
    var server = try DifferentialPrivacyServerSideAdaptiveClipping(plainFedAvg, settings: settings, seed: 1)
    var client = try DifferentialPrivacyClientSideAdaptiveClipping(plainFedAvg, settings: settings, seed: 1)
    var norms: [Double] = []
    for round in 1...40 {
      let c = clientSide ? client.clippingNorm : server.clippingNorm
      norms.append(c)
      // Four updates of norm exactly 1 from the zero model: (0.6, 0.8).
      if clientSide {
        let clipped = c < 1
        let scale = Float(min(1, c))
        let results = (0..<4).map {
          result("c\($0)", [0.6 * scale, 0.8 * scale], metrics: ["norm_bit": .bool(clipped)])
        }
        client.currentRoundParameters = [vector([0, 0])]
        _ = client.aggregateFit(serverRound: round, results: results, failures: [])
      } else {
        server.currentRoundParameters = [vector([0, 0])]
        let results = (0..<4).map { result("c\($0)", [0.6, 0.8]) }
        _ = server.aggregateFit(serverRound: round, results: results, failures: [])
      }
    }
    // exp(0.2 · 0.5) per round while clipped: 0.1 · 1.105^k passes 1 after 24 rounds.
    #expect(abs(norms[1] - 0.1 * exp(0.1)) < 1e-12, "\(norms)")
    for k in 1..<24 { #expect(norms[k] > norms[k - 1], "round \(k): \(norms)") }
    #expect(norms.last! > 0.85 && norms.last! < 1.2, "\(norms)")
    // Flower's rule would have gone the other way: 0.1 · exp(−0.1) = 0.0905 after one round.
    #expect(norms[1] > 0.1)
  }

  @Test("a zero update does not crash and counts as unclipped")
  func zeroUpdate() throws {
    var settings = AdaptiveClippingSettings(noiseMultiplier: 0, numSampledClients: 2)
    settings.initialClippingNorm = 1
    var s = try DifferentialPrivacyServerSideAdaptiveClipping(plainFedAvg, settings: settings, seed: 1)
    s.currentRoundParameters = [vector([1, 1])]
    let out = s.aggregateFit(
      serverRound: 1, results: [result("a", [1, 1]), result("b", [1, 1])], failures: [])
    #expect(out.parameters?.tensors[0].doubles() == [1, 1])
    // Both unclipped: fraction 1 > γ = 0.5, so the norm shrinks by exp(−0.1).
    #expect(abs(s.clippingNorm - exp(-0.1)) < 1e-12)
    #expect(out.metrics["privacy.clipping_norm"] == .double(1))
  }

  @Test("Flower's noise parameters: σ_b = m/20 and z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2); z ≥ 2σ_b throws")
  func noiseParameters() throws {
    let (sigma, zDelta) = try AdaptiveClipping.noiseParameters(
      noiseMultiplier: 1, numSampledClients: 100, clippedCountStdDev: nil)
    #expect(sigma == 5)
    #expect(abs(zDelta - 1 / (1 - 1 / 100.0).squareRoot()) < 1e-12)
    #expect(throws: PollenError.self) {
      try AdaptiveClipping.noiseParameters(noiseMultiplier: 1, numSampledClients: 10, clippedCountStdDev: nil)
    }
    let off = try AdaptiveClipping.noiseParameters(
      noiseMultiplier: 0, numSampledClients: 10, clippedCountStdDev: nil)
    #expect(off == (0, 0))
  }

  @Test("a client-side adaptive result without norm_bit is left out, not a crash")
  func missingNormBit() throws {
    var settings = AdaptiveClippingSettings(noiseMultiplier: 0, numSampledClients: 2)
    settings.initialClippingNorm = 10
    var s = try DifferentialPrivacyClientSideAdaptiveClipping(plainFedAvg, settings: settings, seed: 1)
    s.currentRoundParameters = [vector([0])]
    let out = s.aggregateFit(
      serverRound: 1,
      results: [result("a", [2], metrics: ["norm_bit": .bool(false)]), result("b", [100])], failures: [])
    #expect(out.parameters?.tensors[0].doubles() == [2])
  }

  @Test("invalid settings are Flower's errors")
  func invalid() {
    for change in [
      { (s: inout AdaptiveClippingSettings) in s.noiseMultiplier = -1 },
      { $0.numSampledClients = 0 }, { $0.initialClippingNorm = 0 }, { $0.targetClippedQuantile = 1.5 },
      { $0.clipNormLearningRate = 0 }, { $0.clippedCountStdDev = -1 },
    ] {
      var s = AdaptiveClippingSettings(noiseMultiplier: 0, numSampledClients: 2)
      change(&s)
      #expect(throws: PollenError.self) {
        try DifferentialPrivacyServerSideAdaptiveClipping(plainFedAvg, settings: s)
      }
    }
  }
}

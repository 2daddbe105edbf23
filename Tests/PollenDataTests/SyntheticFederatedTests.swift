import Foundation
import PollenData
import Testing

@Suite("Synthetic(alpha, beta) federated data")
struct SyntheticFederatedTests {
  let federation = SyntheticFederated(alpha: 1, beta: 1, seed: 7)

  @Test("the same client twice gives identical data, also from a separate instance")
  func deterministic() {
    let first = federation.clientData(clientID: 42)
    let again = federation.clientData(clientID: 42)
    let other = SyntheticFederated(alpha: 1, beta: 1, seed: 7).clientData(clientID: 42)
    #expect(first.features == again.features && first.labels == again.labels)
    #expect(first.features == other.features && first.labels == other.labels)
    #expect(first.count == federation.sampleCount(clientID: 42))
    #expect(first.featureShape == [60])
    #expect(first.numClasses == 10)
  }

  @Test("different clients and different seeds differ")
  func distinct() {
    let a = federation.clientData(clientID: 1)
    let b = federation.clientData(clientID: 2)
    let c = SyntheticFederated(alpha: 1, beta: 1, seed: 8).clientData(clientID: 1)
    #expect(a.features.prefix(60) != b.features.prefix(60))
    #expect(a.features.prefix(60) != c.features.prefix(60))
  }

  @Test("sizes follow the paper's lognormal(4, 2) + 50, with the cap")
  func sizes() {
    let sizes = (0..<2000).map { federation.sampleCount(clientID: $0) }
    #expect(sizes.allSatisfy { $0 >= 50 && $0 <= 100_000 })
    let median = sizes.sorted()[1000]
    #expect((90...125).contains(median))  // e^4 + 50 ≈ 105
    #expect(sizes.max()! > 1000)  // a heavy tail
    let capped = SyntheticFederated(alpha: 1, beta: 1, seed: 7, maxSamplesPerClient: 200)
    #expect((0..<200).allSatisfy { capped.sampleCount(clientID: $0) <= 200 })
  }

  @Test("clients are computed lazily: a million-client federation is a few words, any id is cheap")
  func lazy() {
    #expect(MemoryLayout<SyntheticFederated>.size <= 64)
    let clock = ContinuousClock()
    let elapsed = clock.measure {
      for id in [999_999, 123_456, 500_000] { _ = federation.sampleCount(clientID: id) }
    }
    #expect(elapsed < .milliseconds(50))
    #expect(federation.clientData(clientID: 999_999).count == federation.sampleCount(clientID: 999_999))
  }

  @Test("inputs have the paper's covariance: feature j varies as j^(-1.2) around the client's mean")
  func covariance() throws {
    let big = SyntheticFederated(alpha: 0.5, beta: 0.5, seed: 11, maxSamplesPerClient: 4000)
    let id = try #require((0..<500).first { big.sampleCount(clientID: $0) >= 3000 })
    let data = big.clientData(clientID: id)
    let std = data.featureStatistics().std
    for j in [0, 9, 59] {
      let expected = Float(pow(Double(j + 1), -0.6))
      #expect(
        abs(std[j] - expected) / expected < 0.1, "feature \(j + 1): std \(std[j]), expected \(expected)")
    }
    // Labels come from each example's own logits, so a client's examples do not all agree.
    #expect((0..<20).contains { Set(big.clientData(clientID: $0).labels).count > 1 })
  }

  @Test("test set: requested size, deterministic, mixes several clients' labels")
  func testSet() {
    let set = federation.testSet(size: 500, clients: 0..<50)
    let again = federation.testSet(size: 500, clients: 0..<50)
    #expect(set.count == 500)
    #expect(set.features == again.features && set.labels == again.labels)
    #expect(set.classCounts().filter { $0 > 0 }.count >= 5)
  }
}

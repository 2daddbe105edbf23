import Testing

@testable import PollenCore

@Suite("SeededRandom")
struct SeededRandomTests {
  @Test("matches a reference xoshiro256** seeded by SplitMix64")
  func knownAnswers() {
    var a = SeededRandom(seed: 42)
    #expect(
      [a.next(), a.next(), a.next()] == [0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1])
    var b = SeededRandom(seed: 0)
    #expect([b.next(), b.next()] == [0x99ec_5f36_cb75_f2b4, 0xbf6e_1f78_4956_452a])
  }

  @Test("the same seed gives the same sequence; other seeds and streams differ")
  func determinism() {
    var a = SeededRandom(seed: 7)
    var b = SeededRandom(seed: 7)
    var c = SeededRandom(seed: 8)
    let sa = (0..<100).map { _ in a.next() }
    #expect(sa == (0..<100).map { _ in b.next() })
    #expect(sa != (0..<100).map { _ in c.next() })
    var s1 = SeededRandom.derived(seed: 7, stream: 1)
    var s1again = SeededRandom.derived(seed: 7, stream: 1)
    var s2 = SeededRandom.derived(seed: 7, stream: 2)
    let d1 = (0..<10).map { _ in s1.next() }
    #expect(d1 == (0..<10).map { _ in s1again.next() })
    #expect(d1 != (0..<10).map { _ in s2.next() })
    #expect(d1 != Array(sa.prefix(10)))
  }

  @Test("nextUnit is in [0, 1) and nextGaussian has mean 0 and variance 1")
  func distributions() {
    var rng = SeededRandom(seed: 1)
    let units = (0..<20_000).map { _ in rng.nextUnit() }
    #expect(units.allSatisfy { $0 >= 0 && $0 < 1 })
    #expect(abs(units.reduce(0, +) / 20_000 - 0.5) < 0.01)
    let normals = (0..<20_000).map { _ in rng.nextGaussian() }
    let mean = normals.reduce(0, +) / 20_000
    let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000
    #expect(abs(mean) < 0.03)
    #expect(abs(variance - 1) < 0.05)
  }

  @Test(
    "sampleIndices: distinct, in range, reproducible",
    arguments: [(0, 10), (1, 1), (3, 10), (10, 10), (50, 1000)])
  func sampleIndices(_ k: Int, _ n: Int) {
    var a = SeededRandom(seed: 3)
    var b = SeededRandom(seed: 3)
    let sample = a.sampleIndices(k, from: n)
    #expect(sample.count == k)
    #expect(Set(sample).count == k)
    #expect(sample.allSatisfy { (0..<n).contains($0) })
    #expect(sample == b.sampleIndices(k, from: n))
  }

  @Test("sampleIndices covers every index over many draws")
  func sampleCoverage() {
    var rng = SeededRandom(seed: 11)
    var seen = Set<Int>()
    for _ in 0..<200 { seen.formUnion(rng.sampleIndices(3, from: 20)) }
    #expect(seen == Set(0..<20))
  }
}

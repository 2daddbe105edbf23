/// A fast, seedable random number generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same sequence on every platform, so runs are reproducible.
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

  public init(seed: UInt64) {
    var sm = seed
    func splitmix(_ x: inout UInt64) -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitmix(&sm)
    s1 = splitmix(&sm)
    s2 = splitmix(&sm)
    s3 = splitmix(&sm)
  }

  /// The generator's four state words, to save it and continue later with ``init(state:)``.
  public var state: [UInt64] { [s0, s1, s2, s3] }

  /// A generator that continues from saved ``state`` words; `nil` unless there are four, not all zero.
  public init?(state: [UInt64]) {
    guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
    (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
  }

  /// A generator for a sub-stream, e.g. one per client: independent of the parent's position.
  public static func derived(seed: UInt64, stream: UInt64) -> SeededRandom {
    SeededRandom(seed: seed ^ (stream &* 0xD605_BBB5_8C8A_BD0F &+ 0x2545_F491_4F6C_DD1D))
  }

  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// A uniform double in [0, 1).
  public mutating func nextUnit() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal sample (Box–Muller).
  public mutating func nextGaussian() -> Double {
    var u1 = nextUnit()
    while u1 <= .leastNonzeroMagnitude { u1 = nextUnit() }
    let u2 = nextUnit()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * .pi * u2)
  }
}

#if canImport(Glibc)
  import Glibc
  @inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
  @inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#elseif canImport(Darwin)
  import Darwin
  @inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
  @inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif

extension RandomNumberGenerator {
  /// `k` distinct indices drawn uniformly from `0..<n` (Floyd's algorithm; O(k) memory).
  public mutating func sampleIndices(_ k: Int, from n: Int) -> [Int] {
    precondition(k <= n && k >= 0)
    var chosen = Set<Int>(minimumCapacity: k)
    var order: [Int] = []
    order.reserveCapacity(k)
    for j in (n - k)..<n {
      let t = Int.random(in: 0...j, using: &self)
      if chosen.insert(t).inserted {
        order.append(t)
      } else {
        chosen.insert(j)
        order.append(j)
      }
    }
    return order
  }
}

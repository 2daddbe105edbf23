import Crypto
import Foundation

/// SecAgg+'s quantization and weighting, as Flower's
/// (`flwr/common/secure_aggregation/quantization.py` and `_collect_masked_vectors` in
/// `flwr/client/mod/secure_aggregation/secaggplus_mod.py`): a client with `n` examples scales
/// its parameters by `q / Q` where `q = round(n / max_weight · Q)` (`Q` = quantization range),
/// clips them to ±clipping_range, maps them to [0, Q] with stochastic rounding, and puts `q`
/// first; the server divides the dequantized sum by `Σ q / Q`, which gives Σ nᵢxᵢ / Σ nᵢ up to
/// the quantization of the weights.
public enum SecAggPlusQuantization {
  /// The quantized weight `round(numExamples / maxWeight · quantizationRange)`.
  public static func quantizedWeight(numExamples: Int, maxWeight: Double, quantizationRange: UInt64) -> UInt64
  {
    let q = (Double(max(numExamples, 0)) / maxWeight * Double(quantizationRange)).rounded(.toNearestOrEven)
    return q >= 0x1p63 ? UInt64(1) << 63 : UInt64(q)
  }

  /// Stochastic quantization of `values` (Flower's `quantize`): each value clipped to
  /// ±`clippingRange`, shifted and scaled to [0, `quantizationRange`], rounded up or down at
  /// random so that the expected result is exact.
  public static func quantize(
    _ values: [Double], clippingRange: Double, quantizationRange: UInt64,
    using rng: inout some RandomNumberGenerator
  ) -> [UInt64] {
    let scale = Double(quantizationRange) / (2 * clippingRange)
    return values.map { x in
      let pre = (min(max(x, -clippingRange), clippingRange) + clippingRange) * scale
      let up = pre.rounded(.up)
      let u = Double(rng.next() >> 11) * 0x1p-53
      let r = u < up - pre ? up - 1 : up
      return UInt64(min(max(r, 0), Double(quantizationRange)))
    }
  }

  /// The average Σ wᵢxᵢ / Σ wᵢ from the unmasked sum of `contributors` quantized vectors (the
  /// summed quantized weights first, as the clients sent them), Flower's `dequantize` plus the
  /// shift and division of `SecAggPlusWorkflow.unmask_stage`.
  public static func average(
    sum: [UInt64], contributors: Int, clippingRange: Double, quantizationRange: UInt64
  ) -> (values: [Double], totalWeight: Double) {
    let totalQ = Double(sum[0])
    let step = 2 * clippingRange / Double(quantizationRange)
    let shift = Double(contributors) * clippingRange
    let ratio = totalQ > 0 ? Double(quantizationRange) / totalQ : 0
    let values = sum.dropFirst().map { (Double($0) * step - shift) * ratio }
    return (values, totalQ / Double(quantizationRange))
  }
}

/// A fast random generator for stochastic rounding: the ChaCha20 keystream of a fresh random key
/// (secure, unlike a seeded Mersenne Twister, and without a system call per draw).
struct SecAggKeystreamGenerator: RandomNumberGenerator {
  private var buffer: [UInt64] = []
  private var index = 0
  private let key = SymmetricKey(size: .bits256)
  private var block: UInt64 = 0

  mutating func next() -> UInt64 {
    if index == buffer.count {
      var words = [UInt64](repeating: 0, count: 4096)
      let stream = SecAggPlusMasks.keystream(
        seed: HKDF<SHA256>.deriveKey(
          inputKeyMaterial: key, info: withUnsafeBytes(of: block) { Array($0) }, outputByteCount: 32),
        bytes: words.count * 8)
      block += 1
      stream.withUnsafeBytes { raw in
        for i in words.indices { words[i] = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) }
      }
      buffer = words
      index = 0
    }
    defer { index += 1 }
    return buffer[index]
  }
}

import Foundation
import PollenCore
import PollenServer
import Synchronization

/// Local differential privacy as client middleware (Flower's `LocalDpMod`,
/// `flwr/client/mod/localdp_mod.py`): after the wrapped client trains, its update is clipped to
/// ``clippingNorm`` and Gaussian noise of standard deviation
/// `sensitivity · √(2 ln(1.25/δ)) / ε` (the classic Gaussian mechanism, Dwork & Roth Thm A.1) is
/// added to every parameter, so each round's reply is (ε, δ)-DP before it leaves the device.
///
/// Flower draws from numpy's global generator; Pollen from a `SeededRandom` per client.
public struct LocalDPClient: ClientDecorator {
  public let wrapped: any Client
  /// The L2 norm the update is clipped to (> 0).
  public let clippingNorm: Double
  /// The sensitivity the noise is calibrated to (≥ 0).
  public let sensitivity: Double
  /// ε of one round (> 0).
  public let epsilon: Double
  /// δ of one round (in (0, 1)).
  public let delta: Double
  private let rng: RandomBox

  /// - Throws: `PollenError` `.invalidArgument` for the values Flower rejects (and ε = 0 or
  ///   δ ∉ (0, 1), which Flower accepts and then divides by or takes the log of).
  public init(
    _ wrapped: any Client, clippingNorm: Double, sensitivity: Double, epsilon: Double, delta: Double,
    seed: UInt64? = nil
  ) throws {
    guard clippingNorm > 0 else {
      throw PollenError(.invalidArgument, "The clipping norm should be a positive value.")
    }
    guard sensitivity >= 0 else {
      throw PollenError(.invalidArgument, "The sensitivity should be a non-negative value.")
    }
    guard epsilon > 0 else { throw PollenError(.invalidArgument, "Epsilon should be a positive value.") }
    guard delta > 0, delta < 1 else { throw PollenError(.invalidArgument, "Delta should be in (0, 1).") }
    self.wrapped = wrapped
    self.clippingNorm = clippingNorm
    self.sensitivity = sensitivity
    self.epsilon = epsilon
    self.delta = delta
    self.rng = RandomBox(SeededRandom(seed: seed ?? UInt64.random(in: 0...UInt64.max)))
  }

  /// The noise's standard deviation, `sensitivity · √(2 ln(1.25/δ)) / ε`.
  public var noiseStdDev: Double {
    Self.noiseStdDev(sensitivity: sensitivity, epsilon: epsilon, delta: delta)
  }

  /// `sensitivity · √(2 ln(1.25/δ)) / ε`.
  public static func noiseStdDev(sensitivity: Double, epsilon: Double, delta: Double) -> Double {
    sensitivity * (2 * log(1.25 / delta)).squareRoot() / epsilon
  }

  public func fit(_ ins: FitIns) async throws -> FitRes {
    var res = try await wrapped.fit(ins)
    guard res.status.code == .ok else { return res }
    let clipped = try Aggregation.clipUpdate(
      res.parameters.tensors, reference: ins.parameters.tensors, clippingNorm: clippingNorm)
    let std = noiseStdDev
    res.parameters = Parameters(
      tensors: rng.state.withLock { Aggregation.addGaussianNoise(clipped, stdDev: std, using: &$0) })
    return res
  }
}

/// A generator shared by the copies of a middleware value.
final class RandomBox: Sendable {
  let state: Mutex<SeededRandom>
  init(_ rng: SeededRandom) { state = Mutex(rng) }
}

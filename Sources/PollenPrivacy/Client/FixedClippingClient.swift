import PollenCore
import PollenServer

/// Client middleware for ``DifferentialPrivacyClientSideFixedClipping`` (Flower's
/// `fixedclipping_mod`, `flwr/client/mod/centraldp_mods.py`): after the wrapped client trains,
/// its update `w − wᵗ` is clipped to the `clipping_norm` the server sent.
///
/// A fit without `clipping_norm` fails with a clear error (Flower raises `KeyError`). Put it
/// last, after any middleware that changes the parameters.
public struct FixedClippingClient: ClientDecorator {
  public let wrapped: any Client

  public init(_ wrapped: any Client) { self.wrapped = wrapped }

  public func fit(_ ins: FitIns) async throws -> FitRes {
    let norm = try ClientClipping.norm(in: ins.config)
    var res = try await wrapped.fit(ins)
    guard res.status.code == .ok else { return res }
    res.parameters = Parameters(
      tensors: try Aggregation.clipUpdate(
        res.parameters.tensors, reference: ins.parameters.tensors, clippingNorm: norm))
    return res
  }
}

/// Client middleware for ``DifferentialPrivacyClientSideAdaptiveClipping`` (Flower's
/// `adaptiveclipping_mod`): clips the update to the server's `clipping_norm` and reports
/// `norm_bit` (true when it was clipped, as Flower's wrapper expects).
public struct AdaptiveClippingClient: ClientDecorator {
  public let wrapped: any Client

  public init(_ wrapped: any Client) { self.wrapped = wrapped }

  public func fit(_ ins: FitIns) async throws -> FitRes {
    let norm = try ClientClipping.norm(in: ins.config)
    var res = try await wrapped.fit(ins)
    guard res.status.code == .ok else { return res }
    let clip = try Aggregation.clippedUpdate(
      res.parameters.tensors, reference: ins.parameters.tensors, clippingNorm: norm)
    res.parameters = Parameters(tensors: clip.arrays)
    res.metrics[DifferentialPrivacyClientSideAdaptiveClipping.normBitMetricKey] = .bool(clip.scale < 1)
    return res
  }
}

enum ClientClipping {
  /// The server's `clipping_norm`, or an error saying which wrapper should have sent it.
  static func norm(in config: Config) throws -> Double {
    let key = DifferentialPrivacyClientSideFixedClipping.clippingNormConfigKey
    let value: Double
    switch config[key] {
    case .double(let v)?: value = v
    case .int(let v)?: value = Double(v)
    case nil:
      throw PollenError(
        .invalidArgument,
        "The \(key) value is not supplied by the DifferentialPrivacyClientSide*Clipping wrapper at the server side."
      )
    default: throw PollenError(.invalidArgument, "\(key) should be a float value.")
    }
    guard value > 0, value.isFinite else {
      throw PollenError(.invalidArgument, "\(key) \(value) should be a positive number")
    }
    return value
  }
}

import PollenCore
import PollenServer

extension PrivacyPlan {
  private static let positive = Double.leastNonzeroMagnitude...Double.infinity
  private static let fixedKeys = ["noise_multiplier", "clipping_norm", "num_sampled_clients"]
  private static let adaptiveKeys = [
    "noise_multiplier", "num_sampled_clients", "initial_clipping_norm", "target_clipped_quantile",
    "clip_norm_lr",
    "clipped_count_stddev",
  ]

  /// Every mechanism, one descriptor each.
  public static let catalogue: [Mechanism: PrivacyMechanismDescriptor] = [
    .centralFixed: PrivacyMechanismDescriptor(
      optionKeys: fixedKeys,
      noiseMultiplier: { try $0.required("noise_multiplier", in: 0...Double.infinity) },
      wrapStrategy: { strategy, c in
        try DifferentialPrivacyServerSideFixedClipping(
          strategy, noiseMultiplier: try c.required("noise_multiplier", in: 0...Double.infinity),
          clippingNorm: try c.required("clipping_norm", in: positive),
          numSampledClients: try c.numSampledClients(),
          seed: c.seed)
      }),
    .clientFixed: PrivacyMechanismDescriptor(
      optionKeys: fixedKeys,
      noiseMultiplier: { try $0.required("noise_multiplier", in: 0...Double.infinity) },
      wrapStrategy: { strategy, c in
        try DifferentialPrivacyClientSideFixedClipping(
          strategy, noiseMultiplier: try c.required("noise_multiplier", in: 0...Double.infinity),
          clippingNorm: try c.required("clipping_norm", in: positive),
          numSampledClients: try c.numSampledClients(),
          seed: c.seed)
      },
      wrapClient: { client, _ in FixedClippingClient(client) }),
    .centralAdaptive: PrivacyMechanismDescriptor(
      optionKeys: adaptiveKeys,
      noiseMultiplier: { try $0.required("noise_multiplier", in: 0...Double.infinity) },
      wrapStrategy: { strategy, c in
        try DifferentialPrivacyServerSideAdaptiveClipping(
          strategy, settings: try c.adaptiveSettings(), seed: c.seed)
      }),
    .clientAdaptive: PrivacyMechanismDescriptor(
      optionKeys: adaptiveKeys,
      noiseMultiplier: { try $0.required("noise_multiplier", in: 0...Double.infinity) },
      wrapStrategy: { strategy, c in
        try DifferentialPrivacyClientSideAdaptiveClipping(
          strategy, settings: try c.adaptiveSettings(), seed: c.seed)
      },
      wrapClient: { client, _ in AdaptiveClippingClient(client) }),
    .local: PrivacyMechanismDescriptor(
      optionKeys: ["clipping_norm", "sensitivity", "epsilon", "delta"], isLocal: true,
      noiseMultiplier: { c in
        LocalDPClient.noiseStdDev(
          sensitivity: 1, epsilon: try c.required("epsilon", in: Double.ulpOfOne...Double.infinity),
          delta: try c.required("delta", in: Double.leastNonzeroMagnitude...(1 - Double.ulpOfOne)))
      },
      wrapClient: { client, c in
        try LocalDPClient(
          client, clippingNorm: try c.required("clipping_norm", in: positive),
          sensitivity: try c.required("sensitivity", in: 0...Double.infinity),
          epsilon: try c.required("epsilon", in: Double.ulpOfOne...Double.infinity),
          delta: try c.required("delta", in: Double.leastNonzeroMagnitude...(1 - Double.ulpOfOne)),
          seed: c.seed)
      }),
  ]
}

import Logging
import PollenCore
import PollenServer

/// SecAgg+ secure aggregation of the fit rounds (Flower's `SecAggPlusWorkflow`,
/// `flwr/server/workflow/secure_aggregation/secaggplus_workflow.py`): set it as
/// `ServerConfig.secureAggregation` and the server computes Σ nᵢxᵢ / Σ nᵢ without ever holding
/// one client's update; the strategy receives that average as ONE result (`num_examples` = Σ nᵢ).
///
/// Each round: the sampled clients are asked (`get_properties`) for the Pollen capability
/// ``SecAggPlusProtocol/capabilityValue``; a client without it (a plain Flower client) is refused
/// with the reason as its failure and is never sent a stage. Then the four stages run as
/// ordinary `fit` calls (``SecAggPlusProtocol``), answered by ``SecAggPlusClient`` middleware.
/// The masked vectors are summed as they arrive; the masks are removed with the reconstructed
/// secrets.
///
/// A client lost at any stage is dropped without ending the round while every remaining
/// client's secrets can still be reconstructed (`reconstruction_threshold` share holders left):
/// lost in setup, the ring of neighbours is built without it; lost in share_keys, its shares
/// are not forwarded (and clients left with too few share holders are dropped before anyone
/// masks); lost after share_keys, the pairwise masks others added with it are removed with its
/// reconstructed key; lost in unmask, its update stays in the sum and its seed comes from the
/// others' shares. Otherwise the round ends with no result and every client as a failure.
///
/// Differences from Flower: masks come from ChaCha20 keyed with the full 256-bit seed
/// (``SecAggPlusMasks``); secrets are shared over GF(2⁵²¹ − 1) in one piece
/// (``ShamirSecretSharing``); even share counts are refused before the run; a client lost in
/// setup or share_keys does not abort the round; individual metrics and example counts are not
/// reported (the aggregate's metrics hold only `secagg_clients`).
public struct SecAggPlusWorkflow: SecureFitWorkflow {
  public let config: SecAggPlusConfig

  /// A workflow with `config`.
  ///
  /// - Throws: what ``SecAggPlusConfig/validate()`` throws.
  public init(_ config: SecAggPlusConfig = .defaults) throws(PollenError) {
    try config.validate()
    self.config = config
  }

  public var description: String { config.description }

  public func fit(
    serverRound: Int, instructions: [FitInstruction], parameters: Parameters, timeout: Duration?,
    logger: Logger
  ) async -> SecureFitOutcome {
    await run(
      serverRound: serverRound, instructions: instructions, parameters: parameters, timeout: timeout,
      logger: logger
    ).outcome
  }

  /// Runs one round as ``fit(serverRound:instructions:parameters:timeout:logger:)`` and also
  /// reports each stage's timings.
  public func run(
    serverRound: Int, instructions: [FitInstruction], parameters: Parameters, timeout: Duration?,
    logger: Logger
  ) async -> SecAggPlusRoundReport {
    var driver = SecAggPlusRoundDriver(
      config: config, round: serverRound, instructions: instructions, reference: parameters,
      timeout: config.timeout.map { .seconds($0) } ?? timeout, logger: logger)
    return await driver.run()
  }
}

/// What one SecAgg+ round did: its outcome and each stage's timings.
public struct SecAggPlusRoundReport: Sendable {
  /// Timings of one stage.
  public struct Stage: Sendable {
    /// `negotiate` or one of ``SecAggPlusProtocol/Stage``'s raw values.
    public var name: String
    /// Clients asked, and clients that answered.
    public var clients: Int
    public var answered: Int
    /// Wall-clock seconds of the stage.
    public var seconds: Double
    /// Seconds the server spent computing (building requests, checking and summing replies,
    /// unmasking), excluding the wait for clients.
    public var serverSeconds: Double
  }

  public var outcome: SecureFitOutcome
  public var stages: [Stage]
}

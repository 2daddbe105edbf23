import Logging
import PollenCore

/// Secure aggregation of a fit round: a protocol that turns the strategy's fit instructions into
/// ONE aggregated result without the server ever holding an individual client's update.
///
/// When ``ServerConfig/secureAggregation`` is set, `Server` hands each fit round's instructions
/// to the workflow instead of sending them itself; the strategy then aggregates the single
/// result as usual (as Flower's `SecAggPlusWorkflow` feeds its strategy, see
/// `flwr/server/workflow/secure_aggregation/secaggplus_workflow.py`). PollenPrivacy's
/// `SecAggPlusWorkflow` implements it.
///
/// The workflow is a value owned by the server's task; it runs one round at a time and reports
/// every client that did not contribute as a ``ClientFailure`` (failures are data).
public protocol SecureFitWorkflow: Sendable, Hashable, CustomStringConvertible {
  /// Runs round `serverRound` with `instructions` (all carry the global `parameters`); each
  /// client call is bounded by `timeout` unless the workflow has a limit of its own.
  func fit(
    serverRound: Int, instructions: [FitInstruction], parameters: Parameters, timeout: Duration?,
    logger: Logger
  ) async -> SecureFitOutcome
}

/// What a ``SecureFitWorkflow`` produced for one round.
public struct SecureFitOutcome: Sendable {
  /// The aggregate: parameters = Σ wᵢ·xᵢ / Σ wᵢ over the contributors, `numExamples` = Σ wᵢ;
  /// `nil` when the round could not be completed (then every sampled client is a failure).
  public var result: FitRes?
  /// The clients whose updates are in ``result``.
  public var contributors: [String]
  /// The clients that were refused, dropped out or whose stage call failed, with why.
  public var failures: [ClientFailure]
  /// Bytes of instructions sent and of replies received, over all stages.
  public var bytesSent: Int
  public var bytesReceived: Int

  public init(
    result: FitRes?, contributors: [String], failures: [ClientFailure], bytesSent: Int = 0,
    bytesReceived: Int = 0
  ) {
    self.result = result
    self.contributors = contributors
    self.failures = failures
    self.bytesSent = bytesSent
    self.bytesReceived = bytesReceived
  }
}

/// Holds a ``SecureFitWorkflow`` inside the `Hashable` ``ServerConfig``.
struct SecureFitWorkflowBox: Sendable, Hashable {
  let workflow: any SecureFitWorkflow

  static func == (lhs: Self, rhs: Self) -> Bool { AnyHashable(lhs.workflow) == AnyHashable(rhs.workflow) }
  func hash(into hasher: inout Hasher) { AnyHashable(workflow).hash(into: &hasher) }
}

extension ServerConfig {
  /// Secure aggregation of every fit round (e.g. PollenPrivacy's `SecAggPlusWorkflow`); `nil`
  /// (the default): the server sends the fit instructions itself and sees every update.
  public var secureAggregation: (any SecureFitWorkflow)? {
    get { secureAggregationBox?.workflow }
    set { secureAggregationBox = newValue.map(SecureFitWorkflowBox.init) }
  }
}

/// The client a secure round's single aggregated ``FitResult`` comes from: it stands for the
/// contributors together and cannot be called.
public final class SecureAggregateClientProxy: ClientProxy {
  public let cid: String
  /// The clients whose updates the aggregate holds.
  public let contributors: [String]

  public init(contributors: [String]) {
    self.contributors = contributors
    self.cid = "secure-aggregate(\(contributors.count))"
  }

  private func refuse() -> PollenError {
    PollenError(
      .notImplemented, "\(cid) is a secure aggregate of \(contributors.count) clients, not a client")
  }
  public func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    throw refuse()
  }
  public func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    throw refuse()
  }
  public func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes { throw refuse() }
  public func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes { throw refuse() }
  public func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes {
    throw refuse()
  }
}

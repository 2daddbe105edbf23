import PollenCore

/// The names Pollen's SecAgg+ puts on Flower's legacy messages: a capability in
/// `get_properties`, and the stage, session and payload of each stage's `fit` call.
///
/// Every stage is an ordinary `FitIns`/`FitRes` exchange whose config carries these Pollen-only
/// keys, so SecAgg+ runs over any transport (in-process, grpc-bidi) with no new messages. A plain
/// Flower client does not advertise ``capabilityKey`` and is never sent a stage.
public enum SecAggPlusProtocol {
  /// The `get_properties` key (asked for in `GetPropertiesIns.config`) a Pollen client answers
  /// with ``capabilityValue``.
  public static let capabilityKey = "pollen.secagg"
  /// The protocol and version this implementation speaks.
  public static let capabilityValue = "secaggplus/1"
  /// `FitIns.config` key: the stage (``Stage``'s raw value).
  public static let stageKey = "pollen.secagg.stage"
  /// `FitIns.config` key: the round's session id (random, fresh each round); stage calls of
  /// another session are refused.
  public static let sessionKey = "pollen.secagg.session"
  /// `FitIns.config` and `FitRes.metrics` key: the stage's binary payload (`.bytes`).
  public static let payloadKey = "pollen.secagg.payload"

  /// The four stages of Flower's `SecAggPlusWorkflow`
  /// (`flwr/common/secure_aggregation/secaggplus_constants.py`), in order.
  public enum Stage: String, Sendable, CaseIterable {
    /// The server sends the round's parameters; each client answers with two X25519 public keys.
    case setup
    /// The server sends each client its neighbours' public keys; each client answers with its
    /// mask seed's and first private key's Shamir shares, encrypted for each neighbour.
    case shareKeys = "share_keys"
    /// The server forwards the encrypted shares with the fit instruction; each client trains
    /// and answers with its masked, quantized, weighted update.
    case collectMaskedVectors = "collect_masked_vectors"
    /// The server names the survivors and the dropped; each client answers with the shares
    /// that remove the masks (seed shares of survivors, key shares of the dropped).
    case unmask

    /// The stage that follows this one, `nil` after ``unmask``.
    var next: Stage? {
      switch self {
      case .setup: .shareKeys
      case .shareKeys: .collectMaskedVectors
      case .collectMaskedVectors: .unmask
      case .unmask: nil
      }
    }
  }

  /// Whether `config` is a SecAgg+ stage call (it has ``stageKey``).
  public static func isStageCall(_ config: Config) -> Bool { config[stageKey] != nil }

  /// `config` without the SecAgg+ keys: what the wrapped client's `fit` sees.
  static func strippingProtocolKeys(_ config: Config) -> Config {
    config.filter { !$0.key.hasPrefix("pollen.secagg.") }
  }
}

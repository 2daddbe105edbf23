/// The server's handle on one client, whatever carries the messages (gRPC stream, in-process).
///
/// Each call sends one instruction and waits for the reply. `timeout` bounds the whole call;
/// a proxy that exceeds it throws ``PollenError/Code-swift.struct/timeout`` (a network client
/// keeps its connection but is not ``isAvailable`` until its late reply arrives). Proxies must be
/// safe to call from any task.
public protocol ClientProxy: AnyObject, Sendable {
  /// A stable identifier, unique within the server's client manager.
  var cid: String { get }
  /// Properties known about the client without asking it (used by sampling criteria).
  var properties: Properties { get }
  /// Whether the client may be sampled now (default: `true`). A network client that missed a
  /// timeout and still owes its late reply is connected but not available; client managers
  /// count and sample only available clients.
  var isAvailable: Bool { get }
  /// Whether the proxy itself ends each call once its `timeout` has passed waiting for the
  /// client (default: `false`: the server adds a timer of its own). A proxy that says `true` may
  /// then take its time after the reply has arrived — the gRPC proxy waits there, undecoded, for
  /// a slot of the round's update budget — without that counting against the client.
  var enforcesTimeouts: Bool { get }

  func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes
  func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes
  func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes
  func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes
  func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes
}

extension ClientProxy {
  public var properties: Properties { [:] }
  public var isAvailable: Bool { true }
  public var enforcesTimeouts: Bool { false }
}

/// A Fleet API call that is refused: an HTTP status and the JSON body `{"code": …, "detail": …}`
/// that Flower 1.41's SuperLink sends (`flwr/supercore/error/catalog.py`).
///
/// The SuperNode's retry policy (`flwr/supercore/retry/http_retry.py`) decides what a status
/// does: 502/503/504 are retried forever, 401 makes the node stop itself, 403 means "the run is
/// not running" and the message is dropped, anything else raises — which ends the node's loop on
/// pull-messages and push-messages. So transient trouble is always ``unavailable(_:)`` (503) and
/// the node-ending statuses are kept for what Flower ends nodes for.
public struct FleetError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The HTTP status.
  public var status: Int
  /// Flower's error code in the body (`ApiErrorCode` numbers are not part of the contract the
  /// SuperNode reads, except 1001 for an incompatible version, which Pollen never sends).
  public var code: Int
  /// What went wrong, for people.
  public var detail: String

  /// An error with this status, code and detail.
  public init(status: Int, code: Int, detail: String) {
    self.status = status
    self.code = code
    self.detail = detail
  }

  /// 400: the request is malformed (e.g. a heartbeat interval outside 10–1800 s).
  public static func badRequest(_ detail: String) -> FleetError {
    FleetError(status: 400, code: 400, detail: detail)
  }

  /// 403: the run is not running (or not this server's run); the node drops the message.
  public static func runNotRunning(_ detail: String) -> FleetError {
    FleetError(status: 403, code: 403, detail: detail)
  }

  /// 404: no such endpoint.
  public static func notFound(_ detail: String) -> FleetError {
    FleetError(status: 404, code: 404, detail: detail)
  }

  /// 409: a node with this public key is already registered (`create_node`).
  public static func conflict(_ detail: String) -> FleetError {
    FleetError(status: 409, code: 409, detail: detail)
  }

  /// 412: a precondition failed (activating a key that was never registered).
  public static func preconditionFailed(_ detail: String) -> FleetError {
    FleetError(status: 412, code: 412, detail: detail)
  }

  /// 413: the request body is larger than the server accepts.
  public static func payloadTooLarge(_ detail: String) -> FleetError {
    FleetError(status: 413, code: 413, detail: detail)
  }

  /// 503: transient trouble; the node retries.
  public static func unavailable(_ detail: String) -> FleetError {
    FleetError(status: 503, code: 503, detail: detail)
  }

  /// The JSON body `{"code": code, "detail": detail}`.
  public var jsonBody: [UInt8] {
    var out = "{\"code\": \(code), \"detail\": \""
    for scalar in detail.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\"}"
    return Array(out.utf8)
  }

  public var description: String { "\(status): \(detail)" }
}

/// The status code of a client's reply (Flower's `Code` enum, same numbers on the wire).
public enum Code: Int, Sendable, Hashable, CaseIterable {
  case ok = 0
  case getPropertiesNotImplemented = 1
  case getParametersNotImplemented = 2
  case fitNotImplemented = 3
  case evaluateNotImplemented = 4
}

/// A client reply's status: a code and a human-readable message.
public struct Status: Sendable, Hashable {
  public var code: Code
  public var message: String

  public init(code: Code, message: String = "") {
    self.code = code
    self.message = message
  }

  /// `OK` with the message Flower's clients send ("Success").
  public static let ok = Status(code: .ok, message: "Success")
}

/// Why a client disconnects (Flower's `Reason` enum).
public enum Reason: Int, Sendable, Hashable, CaseIterable {
  case unknown = 0
  case reconnect = 1
  case powerDisconnected = 2
  case wifiUnavailable = 3
  case ack = 4
}

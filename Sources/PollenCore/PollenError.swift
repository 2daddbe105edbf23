/// An error raised by Pollen: an extensible ``Code``, a message for people, and an optional cause.
public struct PollenError: Error, Sendable, CustomStringConvertible {
  /// What kind of failure this is. New codes may be added; switch with a default.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String, Hashable, Sendable {
      case invalidTensor, shapeMismatch, nonFinite, invalidMessage, timeout, disconnected
      case notImplemented, invalidArgument, io, clientFailed, payloadTooLarge, internalError
    }
    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// A tensor's bytes are not a valid `.npy` array.
    public static let invalidTensor = Code(.invalidTensor)
    /// A tensor's shape or dtype does not match the model's.
    public static let shapeMismatch = Code(.shapeMismatch)
    /// An update contains NaN or infinity.
    public static let nonFinite = Code(.nonFinite)
    /// A message could not be decoded or is not the expected kind.
    public static let invalidMessage = Code(.invalidMessage)
    /// A call did not complete within its time limit.
    public static let timeout = Code(.timeout)
    /// The peer went away.
    public static let disconnected = Code(.disconnected)
    /// The peer does not implement the call.
    public static let notImplemented = Code(.notImplemented)
    /// An argument or option is invalid.
    public static let invalidArgument = Code(.invalidArgument)
    /// Reading or writing a file failed.
    public static let io = Code(.io)
    /// A client answered with a status other than OK.
    public static let clientFailed = Code(.clientFailed)
    /// A message exceeds the allowed size.
    public static let payloadTooLarge = Code(.payloadTooLarge)
    /// A bug or broken invariant inside Pollen.
    public static let internalError = Code(.internalError)

    public var description: String { wrapped.rawValue }
  }

  public var code: Code
  public var message: String
  public var cause: (any Error & Sendable)?

  public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String {
    if let cause { return "\(code): \(message) (cause: \(cause))" }
    return "\(code): \(message)"
  }
}

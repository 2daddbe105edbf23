/// Why a set of Flower objects could not be read: the checks of Flower 1.41's
/// `validate_object_content` (`flwr/supercore/inflatable/inflatable_utils.py`) and of each type's
/// `inflate` (`flwr/app/message/*.py`), made strict.
///
/// Every case names the object it is about by its ID (the SHA-256 of its content, as Flower's
/// `UnexpectedObjectContentError` does for content that has no known ID yet).
public enum InflatableObjectError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The object, or a child that an object lists in its head, is not among the contents.
  case missingObject(id: String)
  /// The content stored under `id` hashes to `actual` instead.
  case hashMismatch(id: String, actual: String)
  /// The head is not `"<type> <child ids> <body length>"` followed by a zero byte: no zero byte,
  /// not UTF-8, not three space-separated parts, a child ID that is not 64 lowercase hex digits or
  /// appears twice, or a length that is not a plain decimal number.
  case malformedHead(id: String, reason: String)
  /// The head names a type Flower does not register (see ``InflatableObjectType``).
  case unknownType(id: String, type: String)
  /// The head declares a body of `declared` bytes but `actual` bytes follow it.
  case bodyLengthMismatch(id: String, declared: Int, actual: Int)
  /// The object is well formed but of the wrong type where it is referenced (for example, an
  /// `ArrayRecord` listing a `ConfigRecord` as one of its arrays).
  case unexpectedType(id: String, expected: [InflatableObjectType], actual: InflatableObjectType)
  /// The body cannot be decoded as its type's JSON or protobuf, or holds values Flower would not
  /// accept (an unset value, a repeated key, a chunk index out of range).
  case invalidBody(id: String, type: InflatableObjectType, reason: String)
  /// The references in the body do not match the children in the head (Flower's
  /// "Unexpected set of `children`").
  case childrenMismatch(id: String, reason: String)

  public var description: String {
    switch self {
    case .missingObject(let id): "object \(id) is missing"
    case .hashMismatch(let id, let actual): "object \(id) has content whose SHA-256 is \(actual)"
    case .malformedHead(let id, let reason): "object \(id) has a malformed head: \(reason)"
    case .unknownType(let id, let type): "object \(id) is of unknown type \"\(type)\""
    case .bodyLengthMismatch(let id, let declared, let actual):
      "object \(id) declares a body of \(declared) bytes but has \(actual)"
    case .unexpectedType(let id, let expected, let actual):
      "object \(id) is a \(actual.rawValue) where a "
        + expected.map(\.rawValue).joined(separator: " or ") + " was expected"
    case .invalidBody(let id, let type, let reason): "\(type.rawValue) \(id) has an invalid body: \(reason)"
    case .childrenMismatch(let id, let reason):
      "object \(id) has children that do not match its body: \(reason)"
    }
  }
}

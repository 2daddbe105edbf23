import Crypto

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// One object of Flower 1.41's content-addressed object store, as it travels in the Fleet API's
/// pull-object and push-object calls.
///
/// The encoding is `add_header_to_object_body` in `flwr/supercore/inflatable/inflatable_object.py`:
/// the UTF-8 head `"<type> <child IDs joined by ','> <body length in bytes>"` (the separator is one
/// space, `HEAD_VALUE_DIVIDER` in `flwr/supercore/constant.py`; an object without children has two
/// spaces in a row), one zero byte (`HEAD_BODY_DIVIDER`), then the body. An object's ID is the
/// lowercase hex SHA-256 of that whole byte string (`get_object_id`), so the ID of a parent covers
/// the IDs of its children.
///
/// ```swift
/// let chunk = InflatableObject(type: .arrayChunk, children: [], body: Data([1, 2, 3]))
/// chunk.content  // "ArrayChunk  3\0" followed by the three bytes
/// let parsed = try InflatableObject(parsing: chunk.content)
/// ```
public struct InflatableObject: Sendable, Hashable {
  /// The object's class, the head's first value.
  public var type: InflatableObjectType
  /// The IDs of the object's children in head order, each once: what Flower writes as
  /// `",".join(obj.children.keys())`.
  public var children: [String]
  /// What follows the zero byte: raw bytes, JSON or a protobuf message, depending on ``type``.
  public var body: Data

  /// An object of `type` with these children and body.
  public init(type: InflatableObjectType, children: [String], body: Data) {
    self.type = type
    self.children = children
    self.body = body
  }

  /// The byte that ends the head (`HEAD_BODY_DIVIDER`).
  public static let headBodyDivider: UInt8 = 0

  /// The head, the zero byte and the body: the bytes Flower stores, hashes and sends.
  public var content: Data {
    let head = "\(type.rawValue) \(children.joined(separator: ",")) \(body.count)"
    var content = Data(capacity: head.utf8.count + 1 + body.count)
    content.append(contentsOf: head.utf8)
    content.append(Self.headBodyDivider)
    content.append(body)
    return content
  }

  /// The object's ID: ``objectID(of:)`` of its ``content``.
  public var objectID: String { Self.objectID(of: content) }

  /// The lowercase hex SHA-256 of `content`: Flower's `get_object_id`.
  public static func objectID(of content: Data) -> String {
    let digest = SHA256.hash(data: content)
    let hex = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(64)
    for byte in digest {
      out.append(hex[Int(byte >> 4)])
      out.append(hex[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Whether `id` has the form of an object ID: 64 lowercase hex digits.
  ///
  /// Stricter than Flower's `is_valid_sha256_hash`, which passes whatever `int(id, 16)` parses
  /// (uppercase digits, a sign, underscores) as long as it is 64 characters long; no such ID can be
  /// the hex digest Flower computes.
  public static func isValidObjectID(_ id: some StringProtocol) -> Bool {
    id.utf8.count == 64 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
  }

  /// Reads an object's content, checking it as Flower's `validate_object_content` does, but
  /// strictly.
  ///
  /// In Flower's order: a zero byte ends the head; the head is UTF-8 and splits on single spaces
  /// into exactly three parts; every child ID is 64 lowercase hex digits, with none repeated and
  /// no empty entries (Flower skips empty entries when validating, then fails on them when
  /// inflating); the type is one of ``InflatableObjectType``; the length is a decimal number
  /// without sign or leading zeros and equals the number of bytes after the zero byte. The content
  /// is not hashed unless an error needs to name it.
  ///
  /// - Throws: ``InflatableObjectError/malformedHead(id:reason:)``,
  ///   ``InflatableObjectError/unknownType(id:type:)`` or
  ///   ``InflatableObjectError/bodyLengthMismatch(id:declared:actual:)``.
  public init(parsing content: Data) throws(InflatableObjectError) {
    try self.init(parsing: content, id: nil)
  }

  /// ``init(parsing:)``, naming errors by `id` (already known to be the content's hash) instead of
  /// hashing the content again.
  init(parsing content: Data, id knownID: String?) throws(InflatableObjectError) {
    func id() -> String { knownID ?? Self.objectID(of: content) }
    guard let divider = content.firstIndex(of: Self.headBodyDivider) else {
      throw .malformedHead(id: id(), reason: "no zero byte separates the head from the body")
    }
    guard let head = String(validating: content[content.startIndex..<divider], as: UTF8.self) else {
      throw .malformedHead(id: id(), reason: "the head is not UTF-8")
    }
    let parts = head.split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count == 3 else {
      throw .malformedHead(
        id: id(),
        reason: "\"\(head)\" has \(parts.count) space-separated parts, not 3 (type, children, length)")
    }
    var children: [String] = []
    if !parts[1].isEmpty {
      for child in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
        guard Self.isValidObjectID(child) else {
          throw .malformedHead(id: id(), reason: "\"\(child)\" is not an object ID (64 lowercase hex digits)")
        }
        children.append(String(child))
      }
      guard Set(children).count == children.count else {
        throw .malformedHead(id: id(), reason: "a child ID appears twice")
      }
    }
    guard let type = InflatableObjectType(rawValue: String(parts[0])) else {
      throw .unknownType(id: id(), type: String(parts[0]))
    }
    let length = parts[2]
    guard !length.isEmpty, length.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
      length == "0" || !length.hasPrefix("0"), let declared = Int(length)
    else {
      throw .malformedHead(id: id(), reason: "the body length \"\(length)\" is not a decimal number")
    }
    let body = content[content.index(after: divider)...]
    guard body.count == declared else {
      throw .bodyLengthMismatch(id: id(), declared: declared, actual: body.count)
    }
    self.init(type: type, children: children, body: Data(body))
  }
}

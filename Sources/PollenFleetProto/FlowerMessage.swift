/// A message between the SuperLink and a SuperNode, as Flower 1.41's `Message`
/// (`flwr/app/message/message.py`): metadata plus either content or an error.
///
/// Deflated, a message is the tree `Message` → `RecordDict` → records → arrays → chunks. The
/// `Message` object's body is the protobuf `flwr.proto.Message` holding the metadata, with
/// `message_id` emptied, and the error if there is one, never the content
/// (`Message.deflate`, `SerializeToString(deterministic=True)`); its one child is the content's
/// `RecordDict`, or it has none when it carries an error. The message's ID is the ID of that
/// object, which is why the object cannot contain it.
///
/// ```swift
/// let instruction = FlowerMessage(
///   metadata: FlowerMetadata(
///     runID: 7, srcNodeID: 1, dstNodeID: 42, messageType: "train", createdAt: 1_764_000_000),
///   content: ["config": .config(["server-round": .sint64(1)])])
/// let (id, objects) = instruction.deflated()
/// let received = try FlowerMessage(inflating: id, from: objects.contents)
/// ```
public struct FlowerMessage: Sendable, Hashable, FlowerInflatable {
  /// What a message carries besides its metadata: content or an error, never both
  /// (Flower's `Message` raises if both are set).
  public enum Payload: Sendable, Hashable {
    /// The records of an instruction or a successful reply.
    case content(FlowerRecordDict)
    /// What went wrong, in a reply.
    case error(FlowerMessageError)
  }

  /// The metadata. Inflating sets ``FlowerMetadata/messageID`` to the message's ID; deflating
  /// ignores it.
  public var metadata: FlowerMetadata
  /// The content or the error.
  public var payload: Payload

  /// A message carrying content.
  public init(metadata: FlowerMetadata, content: FlowerRecordDict) {
    self.metadata = metadata
    payload = .content(content)
  }

  /// A message carrying an error.
  public init(metadata: FlowerMetadata, error: FlowerMessageError) {
    self.metadata = metadata
    payload = .error(error)
  }

  /// The content, unless the message carries an error.
  public var content: FlowerRecordDict? {
    if case .content(let content) = payload { content } else { nil }
  }

  /// The error, if the message carries one.
  public var error: FlowerMessageError? {
    if case .error(let error) = payload { error } else { nil }
  }

  public static var objectType: InflatableObjectType { .message }

  /// Adds the content's objects (if any), then the `Message` object; returns the message's ID.
  public func deflate(into objects: inout DeflatedObjects) -> String {
    var proto = Flwr_Proto_Message()
    var stored = metadata
    stored.messageID = ""
    proto.metadata = stored.proto
    var children: [String] = []
    switch payload {
    case .content(let content): children = [content.deflate(into: &objects)]
    case .error(let error): proto.error = error.proto
    }
    return objects.insert(
      InflatableObject(type: .message, children: children, body: ProtobufBody.serialize(proto)))
  }

  /// Reads a `Message` object and its content, as Flower's `Message.inflate`, and sets
  /// ``FlowerMetadata/messageID`` to `id`, as the SuperLink and SuperNode do after inflating.
  ///
  /// Strict where Flower is lax: the body must not hold content (it travels as the child), a
  /// message with an error has no children, and one without has exactly one, a `RecordDict`.
  public init(inflating id: String, from reader: inout ObjectReader) throws(InflatableObjectError) {
    let object = try reader.object(id, ofType: .message)
    let proto: Flwr_Proto_Message
    switch ProtobufBody.parse(Flwr_Proto_Message.self, object.body) {
    case .success(let parsed): proto = parsed
    case .failure(let error): throw .invalidBody(id: id, type: .message, reason: error.description)
    }
    guard !proto.hasContent else {
      throw .invalidBody(
        id: id, type: .message, reason: "the body holds content; content is the child object")
    }
    var metadata = FlowerMetadata(proto: proto.metadata)
    metadata.messageID = id
    if proto.hasError {
      guard object.children.isEmpty else {
        throw .childrenMismatch(id: id, reason: "a Message with an error has no children")
      }
      self.init(metadata: metadata, error: FlowerMessageError(proto: proto.error))
    } else {
      guard object.children.count == 1 else {
        throw .childrenMismatch(
          id: id,
          reason: "a Message without an error has its content as its one child, not \(object.children.count)")
      }
      self.init(
        metadata: metadata, content: try FlowerRecordDict(inflating: object.children[0], from: &reader))
    }
  }
}

extension FlowerMessage {
  /// The message as the Fleet API lists it in `PullMessagesResponse.messages_list` and
  /// `PushMessagesRequest.messages_list`: the metadata with its ``FlowerMetadata/messageID``, an
  /// empty `RecordDict` as content (the real content travels as objects) or the error. This is
  /// Flower's `message_to_proto(remove_content_from_message(message))`
  /// (`flwr/common/serde.py`, `flwr/app/message/message.py`).
  package var fleetProto: Flwr_Proto_Message {
    var proto = Flwr_Proto_Message()
    proto.metadata = metadata.proto
    switch payload {
    case .content: proto.content = Flwr_Proto_RecordDict()
    case .error(let error): proto.error = error.proto
    }
    return proto
  }
}

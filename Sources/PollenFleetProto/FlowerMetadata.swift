/// Who sent a message to whom, about what and until when: Flower 1.41's `Metadata`
/// (`flwr/app/metadata.py`), carried as `flwr.proto.Metadata` (`flwr/proto/message.proto`).
public struct FlowerMetadata: Sendable, Hashable {
  /// The run the message belongs to.
  public var runID: UInt64
  /// The message's ID, which is the ID of its deflated `Message` object (Flower sets it after
  /// deflating, e.g. `server/superlink/linkstate/utils.py`; the object itself stores `""`).
  public var messageID: String
  /// The sending node; the SuperLink is node 1 (`SUPERLINK_NODE_ID`).
  public var srcNodeID: UInt64
  /// The receiving node.
  public var dstNodeID: UInt64
  /// The ID of the message this one replies to, or `""` for an instruction.
  public var replyToMessageID: String
  /// A group of messages, e.g. the round as a string in Flower's legacy workflows; often `""`.
  public var groupID: String
  /// Seconds the message stays valid after ``createdAt`` (Flower's `DEFAULT_TTL` is 43,200).
  public var ttl: Double
  /// The action asked for: `"train"`, `"evaluate"`, `"query"` or `"<type>.<action>"`.
  public var messageType: String
  /// Unix time of creation, in seconds.
  public var createdAt: Double
  /// The task that sent the message, if any (proto3 `optional`).
  public var srcTaskID: UInt64?
  /// The task the message is for, if any (proto3 `optional`).
  public var dstTaskID: UInt64?

  /// Metadata with these fields; Flower's defaults for the rest.
  public init(
    runID: UInt64, messageID: String = "", srcNodeID: UInt64, dstNodeID: UInt64,
    replyToMessageID: String = "",
    groupID: String = "", ttl: Double = 43_200, messageType: String, createdAt: Double,
    srcTaskID: UInt64? = nil,
    dstTaskID: UInt64? = nil
  ) {
    self.runID = runID
    self.messageID = messageID
    self.srcNodeID = srcNodeID
    self.dstNodeID = dstNodeID
    self.replyToMessageID = replyToMessageID
    self.groupID = groupID
    self.ttl = ttl
    self.messageType = messageType
    self.createdAt = createdAt
    self.srcTaskID = srcTaskID
    self.dstTaskID = dstTaskID
  }
}

extension FlowerMetadata {
  /// The metadata of `proto`, as Flower's `metadata_from_proto` (`flwr/common/serde_utils.py`).
  package init(proto: Flwr_Proto_Metadata) {
    self.init(
      runID: proto.runID, messageID: proto.messageID, srcNodeID: proto.srcNodeID, dstNodeID: proto.dstNodeID,
      replyToMessageID: proto.replyToMessageID, groupID: proto.groupID, ttl: proto.ttl,
      messageType: proto.messageType, createdAt: proto.createdAt,
      srcTaskID: proto.hasSrcTaskID ? proto.srcTaskID : nil,
      dstTaskID: proto.hasDstTaskID ? proto.dstTaskID : nil)
  }

  /// The metadata as `flwr.proto.Metadata`, as Flower's `metadata_to_proto`.
  package var proto: Flwr_Proto_Metadata {
    var proto = Flwr_Proto_Metadata()
    proto.runID = runID
    proto.messageID = messageID
    proto.srcNodeID = srcNodeID
    proto.dstNodeID = dstNodeID
    proto.replyToMessageID = replyToMessageID
    proto.groupID = groupID
    proto.ttl = ttl
    proto.messageType = messageType
    proto.createdAt = createdAt
    if let srcTaskID { proto.srcTaskID = srcTaskID }
    if let dstTaskID { proto.dstTaskID = dstTaskID }
    return proto
  }
}

import Foundation
import PollenCore
import PollenFleetProto
import Testing

@testable import PollenFleet

/// The message, object and reply flow of ``FleetStateMachine``, with plain integers as waiters.
@Suite struct FleetStateMachineTests {
  typealias Machine = FleetStateMachine<Int>

  static let key: [UInt8] = [1, 2, 3]

  /// A machine with one node online at t = 100 (interval 30 s, so until t = 160).
  static func machine() throws -> (Machine, UInt64) {
    var machine = Machine()
    _ = try machine.registry.register(publicKey: key)
    let (id, _) = try machine.registry.activate(publicKey: key, interval: 30, now: 100)
    return (machine, id)
  }

  static func instruction(to node: UInt64) -> (FleetOutboundMessage, DeflatedObjects) {
    var arrays = OrderedItems<FlowerArray>()
    arrays["w"] = FlowerArray(NDArray([Float(1), 2, 3, 4], shape: [2, 2]))
    let message = FlowerMessage(
      metadata: FlowerMetadata(runID: 7, srcNodeID: 1, dstNodeID: node, messageType: "train", createdAt: 100),
      content: [
        "arrays": .arrays(FlowerArrayRecord(arrays)), "config": .config(["server-round": .sint64(1)]),
      ])
    let (id, objects) = message.deflated()
    var sent = message
    sent.metadata.messageID = id
    let outbound = FleetOutboundMessage(
      messageID: id, nodeID: node, message: sent, tree: try! objects.tree(of: id), objectIDs: Set(objects.ids)
    )
    return (outbound, objects)
  }

  static func reply(to outbound: FleetOutboundMessage, loss: Double) -> FlowerMessage {
    FlowerMessage(
      metadata: FlowerMetadata(
        runID: 7, srcNodeID: outbound.nodeID, dstNodeID: 1, replyToMessageID: outbound.messageID,
        messageType: "train", createdAt: 101),
      content: ["metrics": .metrics(["loss": .double(loss), "num-examples": .sint64(5)])])
  }

  @Test func aMessageIsPulledOnceItsObjectsServedAndReleasedOnConfirm() throws {
    var (machine, node) = try Self.machine()
    let (outbound, objects) = Self.instruction(to: node)
    #expect(machine.enqueue(outbound, objects: objects, waiter: 1, now: 110).map(\.waiter) == nil)
    #expect(machine.queued(for: node) == 1)
    #expect(machine.store.count == objects.count)
    let first = machine.pull(nodeID: node)
    let pulled = try #require(first)
    #expect(pulled.messageID == outbound.messageID)
    #expect(machine.pull(nodeID: node).map(\.messageID) == nil)
    // Every object of the tree can be pulled, and inflates to the message sent.
    var contents: [String: Data] = [:]
    for id in pulled.tree.postOrderIDs { contents[id] = try #require(machine.store[id]) }
    let received = try FlowerMessage(inflating: pulled.tree.objectID, from: contents)
    #expect(received == outbound.message)
    machine.confirm(nodeID: node, messageID: pulled.messageID)
    #expect(machine.store.count == 0)
  }

  @Test func sharedObjectsAreKeptUntilTheLastMessageIsDone() throws {
    var (machine, node) = try Self.machine()
    let (first, objects) = Self.instruction(to: node)
    var second = first
    second.messageID = String(repeating: "0", count: 64)
    _ = machine.enqueue(first, objects: objects, waiter: 1, now: 110)
    _ = machine.enqueue(second, objects: objects, waiter: 2, now: 110)
    #expect(machine.withdraw(first.messageID) == 1)
    #expect(machine.store.count == objects.count)
    #expect(machine.withdraw(second.messageID) == 2)
    #expect(machine.store.count == 0)
    #expect(machine.queued(for: node) == 0)
  }

  @Test func aMessageToAnOfflineNodeFailsAtOnce() throws {
    var (machine, node) = try Self.machine()
    let (outbound, objects) = Self.instruction(to: node)
    let enqueued = machine.enqueue(outbound, objects: objects, waiter: 9, now: 161)
    let failed = try #require(enqueued)
    #expect(failed.waiter == 9)
    guard case .failure(let error) = failed.result else { Issue.record("not a failure"); return }
    #expect(error.code == .disconnected)
  }

  @Test func aPushedReplyIsReassembledForItsWaiter() throws {
    var (machine, node) = try Self.machine()
    let (outbound, objects) = Self.instruction(to: node)
    _ = machine.enqueue(outbound, objects: objects, waiter: 4, now: 110)
    _ = machine.pull(nodeID: node)
    let reply = Self.reply(to: outbound, loss: 0.25)
    let (replyID, replyObjects) = reply.deflated()
    let (toPush, session, none) = machine.pushMessage(
      nodeID: node, replyTo: outbound.messageID, tree: try replyObjects.tree(of: replyID))
    #expect(none.isEmpty)
    #expect(Set(toPush) == Set(replyObjects.ids))
    var resumptions: [Machine.Resumption] = []
    for id in toPush {
      let (stored, done) = machine.pushObject(
        nodeID: node, sessionID: session, objectID: id, content: replyObjects[id]!)
      #expect(stored)
      resumptions += done
    }
    let resumed = try #require(resumptions.first)
    #expect(resumptions.count == 1 && resumed.waiter == 4)
    var expected = reply
    expected.metadata.messageID = replyID
    #expect(try resumed.result.get() == expected)
    #expect(machine.waiting == 0)
  }

  @Test func anObjectThatDoesNotHashToItsIDFailsTheReply() throws {
    var (machine, node) = try Self.machine()
    let (outbound, objects) = Self.instruction(to: node)
    _ = machine.enqueue(outbound, objects: objects, waiter: 4, now: 110)
    _ = machine.pull(nodeID: node)
    let (replyID, replyObjects) = Self.reply(to: outbound, loss: 0.25).deflated()
    let (toPush, session, _) = machine.pushMessage(
      nodeID: node, replyTo: outbound.messageID, tree: try replyObjects.tree(of: replyID))
    let (stored, done) = machine.pushObject(
      nodeID: node, sessionID: session, objectID: toPush[0], content: Data("MetricRecord  0".utf8) + Data([0])
    )
    #expect(!stored)
    let failed = try #require(done.first)
    guard case .failure(let error) = failed.result else { Issue.record("not a failure"); return }
    #expect(error.code == .invalidMessage)
    // The session is gone: further objects are not stored.
    let again = machine.pushObject(
      nodeID: node, sessionID: session, objectID: toPush[1], content: replyObjects[toPush[1]]!)
    #expect(!again.stored)
  }

  @Test func aLateReplyIsAcceptedWithNothingToPush() throws {
    var (machine, node) = try Self.machine()
    let (outbound, objects) = Self.instruction(to: node)
    _ = machine.enqueue(outbound, objects: objects, waiter: 4, now: 110)
    _ = machine.pull(nodeID: node)
    #expect(machine.withdraw(outbound.messageID) == 4)
    let (replyID, replyObjects) = Self.reply(to: outbound, loss: 0.25).deflated()
    let (toPush, _, resumptions) = machine.pushMessage(
      nodeID: node, replyTo: outbound.messageID, tree: try replyObjects.tree(of: replyID))
    #expect(toPush.isEmpty && resumptions.isEmpty)
  }

  @Test func aNodeThatGoesSilentFailsItsWaitersAndDropsItsMessages() throws {
    var (machine, node) = try Self.machine()
    let (outbound, objects) = Self.instruction(to: node)
    _ = machine.enqueue(outbound, objects: objects, waiter: 4, now: 110)
    #expect(machine.sweep(now: 150).offline.isEmpty)
    let (offline, resumptions) = machine.sweep(now: 161)
    #expect(offline == [node])
    #expect(resumptions.map(\.waiter) == [4])
    #expect(machine.store.count == 0 && machine.queued(for: node) == 0)
  }
}

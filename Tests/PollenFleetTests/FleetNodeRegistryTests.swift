import Testing

@testable import PollenFleet

@Suite struct FleetNodeRegistryTests {
  private func registry() -> FleetNodeRegistry {
    FleetNodeRegistry(nextID: { 42 })
  }

  @Test func registerActivateHeartbeatAndGoOffline() throws {
    var nodes = FleetNodeRegistry()
    let id = try nodes.register(publicKey: [1, 2, 3])
    #expect(id > 1)
    #expect(!nodes.isOnline(id, now: 100))
    let (activated, change) = try nodes.activate(publicKey: [1, 2, 3], interval: 30, now: 100)
    #expect(activated == id)
    #expect(change == .cameOnline(id))
    #expect(nodes.isOnline(id, now: 160))
    #expect(!nodes.isOnline(id, now: 160.5))
    #expect(try nodes.heartbeat(nodeID: id, interval: 30, now: 150) == FleetNodeRegistry.Change.none)
    #expect(nodes.isOnline(id, now: 210))
    #expect(nodes.sweep(now: 209) == [])
    #expect(nodes.sweep(now: 211) == [id])
    #expect(try nodes.heartbeat(nodeID: id, interval: 30, now: 212) == .cameOnline(id))
    #expect(nodes.deactivate(nodeID: id) == .wentOffline(id))
    #expect(nodes.unregister(nodeID: id) == FleetNodeRegistry.Change.none)
    #expect(nodes.nodes.isEmpty)
  }

  @Test func flowerErrorsForDuplicatesUnknownKeysAndIntervals() throws {
    var nodes = FleetNodeRegistry()
    _ = try nodes.register(publicKey: [7])
    #expect(throws: FleetError.self) { try nodes.register(publicKey: [7]) }
    do {
      _ = try nodes.register(publicKey: [7])
    } catch {
      #expect(error.status == 409)
    }
    do {
      _ = try nodes.activate(publicKey: [8], interval: 30, now: 0)
      Issue.record("activated an unknown key")
    } catch {
      #expect(error.status == 412)
    }
    for interval in [9.9, 1800.1, -1] {
      do {
        _ = try nodes.activate(publicKey: [7], interval: interval, now: 0)
        Issue.record("accepted interval \(interval)")
      } catch {
        #expect(error.status == 400)
      }
    }
    #expect(try nodes.heartbeat(nodeID: 999, interval: 30, now: 0) == nil)
  }

  @Test func nodeIDsSkipZeroOneAndRepeats() throws {
    let sequence = Sequence()
    var nodes = FleetNodeRegistry(nextID: { sequence.next() })
    #expect(try nodes.register(publicKey: [1]) == 5)
    #expect(try nodes.register(publicKey: [2]) == 6)
  }
}

/// IDs 0, 1, 5, 5, 6 in turn.
private final class Sequence: @unchecked Sendable {
  private var values: [UInt64] = [0, 1, 5, 5, 6]
  func next() -> UInt64 { values.removeFirst() }
}

import Foundation
import NIOCore
import NIOEmbedded
import PollenClient
import PollenCore
import PollenServer
import PollenTesting
import Testing

@testable import PollenGRPC

/// The server's receive budget: past it, connections stop reading their sockets, and replies
/// wait on the clients instead of in the server.
@Suite struct ReceiveBudgetTests {
  /// A connection's pipeline with a gate and, in front of it, a counter of the reads that got
  /// through.
  private struct Connection {
    let channel = EmbeddedChannel()
    let gate: ConnectionReadGate
    let reads = ReadCounter()

    init(budget: ReceiveBudget) throws {
      gate = ConnectionReadGate(budget: budget, eventLoop: channel.embeddedEventLoop)
      try channel.pipeline.syncOperations.addHandler(gate)
      try channel.pipeline.syncOperations.addHandler(reads, position: .first)
    }

    /// Asks to read; returns whether the read reached the socket.
    func read() -> Bool {
      let before = reads.count
      channel.read()
      channel.embeddedEventLoop.run()
      return reads.count > before
    }

    func run() { channel.embeddedEventLoop.run() }
  }

  @Test func idleConnectionsStopReadingWhileTheBudgetIsFullAndResumeAtHalf() throws {
    let budget = ReceiveBudget(limit: 100)
    let busy = try Connection(budget: budget)
    let idle = try Connection(budget: budget)
    #expect(idle.read())

    busy.gate.charge(60)
    #expect(!budget.isPaused)
    busy.gate.charge(40)  // 100 held: the limit
    busy.run()
    idle.run()
    #expect(budget.isPaused)
    #expect(!idle.read(), "an idle connection does not read during a pause")
    #expect(busy.read(), "the connection receiving when the pause began reads on")

    busy.gate.release(40)  // 60 held: still above half
    busy.run()
    #expect(budget.isPaused)
    #expect(idle.reads.count == 1)
    busy.gate.release(10)  // 50: half the limit
    busy.run()
    idle.run()
    #expect(!budget.isPaused)
    #expect(idle.reads.count == 2, "the withheld read went through on resume")
    #expect(idle.read())
    #expect(budget.statistics.pauses == 1)
    #expect(budget.statistics.peak == 100)
  }

  @Test func aConnectionThatStartsReceivingDuringAPauseWaitsForAnAdmission() throws {
    let budget = ReceiveBudget(limit: 100)
    let first = try Connection(budget: budget)
    let late = try Connection(budget: budget)
    first.gate.charge(100)
    first.run()
    #expect(budget.isPaused)

    // Its first bytes were read before the pause reached it: it is receiving, not admitted.
    late.gate.charge(10)
    #expect(!late.read(), "a connection not admitted waits")
    #expect(first.read())

    // The admitted connection's message is consumed: its admission passes to the late one.
    first.gate.release(100)  // 10 held: the pause ends too
    first.run()
    late.run()
    #expect(late.reads.count == 1)
    #expect(late.read())
  }

  @Test func anAdmissionPassesInLineWhileThePauseLasts() throws {
    let budget = ReceiveBudget(limit: 100)
    let first = try Connection(budget: budget)
    let second = try Connection(budget: budget)
    let third = try Connection(budget: budget)
    first.gate.charge(100)
    first.run()
    second.gate.charge(60)
    third.gate.charge(60)
    #expect(!second.read())
    #expect(!third.read())

    first.gate.release(100)  // 120 held: still paused; the first in line is admitted
    first.run()
    second.run()
    third.run()
    #expect(budget.isPaused)
    #expect(second.reads.count == 1)
    #expect(third.reads.count == 0)

    second.gate.release(60)  // 60 held: second's admission passes to third
    second.run()
    third.run()
    #expect(third.reads.count == 1)
  }

  @Test func aClosedStreamGivesBackWhatItHeld() throws {
    let budget = ReceiveBudget(limit: 100)
    let connection = try Connection(budget: budget)
    let gauge = StreamWriteGauge()
    gauge.attach(connection.gate)
    gauge.didReceive(70)
    var charge = gauge.inboundCharge(forMessageOf: 30)
    #expect(charge?.bytes == 35)
    #expect(budget.statistics.held == 70)
    gauge.didClose()
    connection.run()
    #expect(budget.statistics.held == 0)
    charge = nil  // given back with the stream already: its release changes nothing
    connection.run()
    #expect(charge == nil)
    #expect(budget.statistics.held == 0)
  }

  @Test func aRoundUnderAReceiveBudgetHoldsFewerRepliesThanClients() async throws {
    let size = 65_536
    let model = Parameters(tensors: [NDArray([Float](repeating: 0, count: size), shape: [size])])
    var config = FlowerGRPCServer.Config(host: "127.0.0.1", port: 0)
    config.receiveBufferSize = 3 * 4 * size / 2
    let manager = SimpleClientManager(sampleWaitTimeout: .seconds(30))
    let clients = 12
    try await withTimeout(.seconds(120)) { [config] in
      try await withFlowerGRPCServer(config: config, clientManager: manager) { server in
        let port = try await server.boundPort()
        try await withThrowingTaskGroup(of: Void.self) { group in
          for _ in 0..<clients {
            group.addTask {
              try await FlowerGRPCClient.run(
                server: "127.0.0.1:\(port)", client: ScriptedClient(fit: .addDelta(1, numExamples: 1)),
                config: .test)
            }
          }
          var strategy = FedAvg(fractionFit: 1, fractionEvaluate: 0, initialParameters: model)
          strategy.minFitClients = clients
          strategy.minAvailableClients = clients
          var federation = Server(
            clientManager: manager, strategy: strategy, config: ServerConfig(numRounds: 3))
          let history = await federation.fit()
          #expect(history.failures.isEmpty)
          #expect(federation.parameters.tensors.first?.doubles().allSatisfy { $0 == 3 } == true)
          let budget = try #require(server.receiveBudget)
          let stats = budget.statistics
          #expect(stats.pauses > 0, "twelve replies of 256 KiB overflow a 384 KiB budget")
          #expect(stats.peak < clients * 4 * size, "never every reply at once")
          await federation.disconnectAllClients(timeout: .seconds(5))
          try await group.waitForAll()
          #expect(budget.statistics.held == 0, "every reply's bytes were given back")
        }
      }
    }
  }
}

/// Counts the reads that pass it (towards the socket).
private final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
  typealias OutboundIn = Any
  private(set) var count = 0

  func read(context: ChannelHandlerContext) {
    count += 1
    context.read()
  }
}

/// Where gRPC messages begin in a stream's DATA chunks.
@Suite struct MessageStartsTests {
  func framed(_ lengths: [Int]) -> [UInt8] {
    lengths.flatMap { n -> [UInt8] in
      [0, UInt8(n >> 24 & 0xff), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
        + [UInt8](repeating: 7, count: n)
    }
  }

  @Test func chargesEachMessageItsWholeSizeInTheChunkWhereItBegins() {
    let bytes = framed([300, 2, 70_000])
    let allocator = ByteBufferAllocator()
    for cuts in [
      [bytes.count], [1, 3, 303], [2, 306, 310, 40_000], Array(stride(from: 1, to: bytes.count, by: 997)),
    ] {
      var starts = MessageStarts()
      var total = 0
      var perChunk: [Int] = []
      var from = 0
      for cut in cuts + [bytes.count] where cut > from {
        let size = starts.sizes(startingIn: allocator.buffer(bytes: bytes[from..<cut]))
        perChunk.append(size)
        total += size
        from = cut
      }
      #expect(total == 305 + 7 + 70_005, "cuts \(cuts)")
      if cuts == [1, 3, 303] {
        // The first prefix is split over three chunks and completes in the third; the second and
        // third messages begin in the fourth.
        #expect(perChunk == [0, 0, 305, 7 + 70_005])
      }
    }
  }
}

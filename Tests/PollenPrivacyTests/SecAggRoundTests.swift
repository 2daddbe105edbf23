import PollenCore
import Testing

@testable import PollenPrivacy

@Suite("SecAgg+ round state machine")
struct SecAggRoundTests {
  static func keys(_ ids: [UInt32]) -> [UInt32: SecAggPlusMessages.SetupReply] {
    Dictionary(uniqueKeysWithValues: ids.map { ($0, .init(pk1: [UInt8($0)], pk2: [UInt8($0) + 100])) })
  }

  /// Every client replies with one bundle per neighbour.
  static func replies(_ round: SecAggPlusRound, _ ids: [UInt32]) -> [UInt32: SecAggPlusMessages
    .ShareKeysReply]
  {
    Dictionary(
      uniqueKeysWithValues: ids.map { id in
        (
          id,
          .init(
            ciphertexts: round.neighbours[id]!.filter { $0 != id }.map { .init(peer: $0, bytes: [UInt8(id)]) }
          )
        )
      })
  }

  @Test("the ring is built over the clients that finished setup")
  func ringAfterSetup() {
    var r = SecAggPlusRound(count: 8, numShares: 3, threshold: 2)
    #expect(r.setupFinished(keys: Self.keys([1, 2, 4, 5, 7, 8])).isEmpty)
    #expect(r.active == [1, 2, 4, 5, 7, 8])
    #expect(r.neighbours[1] == [1, 2, 8])
    #expect(r.neighbours[2] == [1, 2, 4])
    #expect(r.neighbours[3] == nil)
    #expect(r.shareKeysRequest(for: 4).keys.map(\.id) == [2, 4, 5])
  }

  @Test("too few clients after setup: all refused")
  func tooFewAfterSetup() {
    var r = SecAggPlusRound(count: 5, numShares: 5, threshold: 3)
    #expect(r.setupFinished(keys: Self.keys([1, 2])).count == 2)
    #expect(r.active.isEmpty)
  }

  @Test("share_keys: only bundles between clients that both answered are forwarded; short ones are dropped")
  func shareKeysForwarding() {
    var r = SecAggPlusRound(count: 6, numShares: 3, threshold: 2)
    _ = r.setupFinished(keys: Self.keys([1, 2, 3, 4, 5, 6]))
    // 2 and 6 do not answer: 1's neighbours are 2 and 6, so 1 is left with only itself.
    let (forwards, dropped) = r.shareKeysFinished(replies: Self.replies(r, [1, 3, 4, 5]))
    #expect(Set(dropped.keys) == [1])
    #expect(r.active == [3, 4, 5])
    #expect(forwards[4]!.map(\.peer) == [3, 5])
    #expect(forwards[3]!.map(\.peer) == [4])
    #expect(r.forwarded[3] == [4])
  }

  @Test("a malformed share_keys reply drops its sender")
  func malformedReply() {
    var r = SecAggPlusRound(count: 4, numShares: 3, threshold: 2)
    _ = r.setupFinished(keys: Self.keys([1, 2, 3, 4]))
    var replies = Self.replies(r, [1, 2, 3, 4])
    replies[2] = .init(ciphertexts: [.init(peer: 1, bytes: [])])
    let (_, dropped) = r.shareKeysFinished(replies: replies)
    #expect(dropped[2] != nil)
  }

  @Test("masked vectors: the lost ones that others masked with must be unmasked with their keys")
  func deadAfterMasking() throws {
    var r = SecAggPlusRound(count: 7, numShares: 5, threshold: 3)
    _ = r.setupFinished(keys: Self.keys(Array(1...7)))
    _ = r.shareKeysFinished(replies: Self.replies(r, Array(1...7)))
    try r.maskedVectorsFinished(received: [1, 2, 3, 5, 6, 7])
    #expect(r.dead == [4])
    #expect(r.maskedWithDead(4) == [2, 3, 5, 6])
    let request = r.unmaskRequest(for: 3)
    #expect(request.active == [1, 2, 3, 5])
    #expect(request.dead == [4])
    // Losing too many leaves a secret without enough holders.
    var s = SecAggPlusRound(count: 5, numShares: 3, threshold: 2)
    _ = s.setupFinished(keys: Self.keys(Array(1...5)))
    _ = s.shareKeysFinished(replies: Self.replies(s, Array(1...5)))
    #expect(throws: PollenError.self) { try s.maskedVectorsFinished(received: [1, 3]) }
  }
}

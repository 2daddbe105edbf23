import Testing

@testable import PollenGRPC

@Suite("FederationService lifecycle")
struct FederationServiceStateTests {
  typealias S = FederationService.State

  @Test("only the documented transitions are legal")
  func transitions() {
    let all: [S] = [.idle, .binding, .training(port: 1), .disconnecting(port: 1), .finished]
    let legal: Set<String> = [
      "idle→binding", "binding→training", "binding→finished", "training→disconnecting", "training→finished",
      "disconnecting→finished",
    ]
    func name(_ s: S) -> String {
      switch s {
      case .idle: "idle"
      case .binding: "binding"
      case .training: "training"
      case .disconnecting: "disconnecting"
      case .finished: "finished"
      }
    }
    for a in all {
      for b in all {
        #expect(a.canMove(to: b) == legal.contains("\(name(a))→\(name(b))"), "\(name(a)) → \(name(b))")
      }
    }
  }
}

@Suite struct ClientIDTests {
  @Test func clientIDsAre32HexDigitsAndDistinct() {
    let ids = (0..<10_000).map { _ in FlowerService.newClientID() }
    #expect(Set(ids).count == ids.count)
    #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
  }
}

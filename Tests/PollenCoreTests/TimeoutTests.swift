import Testing

@testable import PollenCore

@Suite("withTimeout")
struct TimeoutTests {
  @Test("a slow operation times out promptly with PollenError.timeout")
  func timesOut() async {
    let clock = ContinuousClock()
    let start = clock.now
    do {
      _ = try await withTimeout(.milliseconds(50)) {
        try await Task.sleep(for: .seconds(3600))
        return 1
      }
      Issue.record("did not time out")
    } catch let error as PollenError {
      #expect(error.code == .timeout)
    } catch {
      Issue.record("threw \(error)")
    }
    // Prompt means not an hour: generous, because CPU-heavy tests share the machine.
    #expect(clock.now - start < .seconds(300))
  }

  @Test("a fast result passes through")
  func fastResult() async throws {
    let value = try await withTimeout(.seconds(30)) { "done" }
    #expect(value == "done")
    let unlimited = try await withTimeout(nil) { 42 }
    #expect(unlimited == 42)
  }

  @Test("the operation's own error passes through")
  func operationError() async {
    await #expect(throws: PollenError.self) {
      try await withTimeout(.seconds(30)) { () async throws -> Int in
        throw PollenError(.clientFailed, "boom")
      }
    }
    do {
      _ = try await withTimeout(.seconds(30)) { () async throws -> Int in throw PollenError(.io, "disk") }
    } catch let error as PollenError {
      #expect(error.code == .io && error.message == "disk")
    } catch {
      Issue.record("threw \(error)")
    }
  }
}

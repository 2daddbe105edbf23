import Testing

@testable import PollenGRPC

@Suite struct ProcessMemoryTests {
  @Test func freedMemoryIsKeptAtTheHeapsTopsOnlyForRunsOfAThousandClientsOrFewer() {
    #expect(ProcessMemory.keptFreedBytes(expectedClients: 1) == 64 << 20)
    #expect(ProcessMemory.keptFreedBytes(expectedClients: 1_000) == 64 << 20)
    #expect(ProcessMemory.keptFreedBytes(expectedClients: 1_001) == nil)
    #expect(ProcessMemory.keptFreedBytes(expectedClients: 10_000) == nil)
  }

  @Test func onlyRunsOfMoreThanAThousandClientsTrimTheHeapBetweenRounds() {
    #expect(!ProcessMemory.trimsBetweenRounds(expectedClients: 1))
    #expect(!ProcessMemory.trimsBetweenRounds(expectedClients: 1_000))
    #expect(ProcessMemory.trimsBetweenRounds(expectedClients: 1_001))
    #expect(ProcessMemory.trimsBetweenRounds(expectedClients: 10_000))
  }
}

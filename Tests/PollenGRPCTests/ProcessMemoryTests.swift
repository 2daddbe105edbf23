import Testing

@testable import PollenGRPC

@Suite struct ProcessMemoryTests {
  @Test func freedMemoryIsKeptAtTheHeapsTopsOnlyForRunsOfAThousandClientsOrFewer() {
    #expect(ProcessMemory.keptFreedBytes(expectedClients: 1) == 64 << 20)
    #expect(ProcessMemory.keptFreedBytes(expectedClients: 1_000) == 64 << 20)
    #expect(ProcessMemory.keptFreedBytes(expectedClients: 1_001) == nil)
    #expect(ProcessMemory.keptFreedBytes(expectedClients: 10_000) == nil)
  }
}

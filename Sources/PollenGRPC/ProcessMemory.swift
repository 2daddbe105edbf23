import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// How the process's heap is kept, for `pollen server` and `pollen load` (glibc's allocator;
/// with another C library these do nothing).
public enum ProcessMemory {
  private typealias MallocTrim = @convention(c) (Int) -> Int32
  private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32

  private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
    #if canImport(Glibc)
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
      return unsafeBitCast(symbol, to: type)
    #else
      return nil
    #endif
  }

  private static let mallocTrim = symbol("malloc_trim", as: MallocTrim.self)

  /// Returns the heap's free pages to the system (glibc's `malloc_trim(0)`).
  ///
  /// glibc gives memory back only from the top of its heaps, so after a round at 10,000 clients
  /// — each connection's replies, buffers and call tasks freed between long-lived allocations
  /// — the freed pages stay resident, and each round's peak lands on top of the last one's.
  /// It walks the free lists once: a few milliseconds against a round.
  public static func trim() {
    _ = mallocTrim?(0)
  }

  /// Whether `FederationService` trims the heap after each round (``trimAfterRound()``); set by
  /// ``configureForServer(arenas:expectedClients:)``, true until then.
  private static let trimming = Atomic<Bool>(true)

  /// Whether a server of `expectedClients` trims its heap after every round: only above
  /// ``keepFreedUpToClients``.
  ///
  /// A trim hands every freed page back, and the next round faults the same pages in again: at
  /// K = 100, P = 1M the server took 207,000 page faults in 8 rounds with it and 50,000–105,000
  /// without (its peak memory is inside a round, and the next round reuses what the last one
  /// freed). Eight alternating pairs of 8-round runs: 8% less server CPU (3.59 s against 3.89 s)
  /// and 4% shorter rounds (0.447 s against 0.467 s) without it, peak RSS the same (233 MiB
  /// against 230 MiB). At 10,000 clients, where each round frees thousands of connections'
  /// buffers between long-lived allocations, the trim keeps one round's peak from landing on
  /// top of the last one's.
  public static func trimsBetweenRounds(expectedClients: Int) -> Bool {
    expectedClients > keepFreedUpToClients
  }

  /// Trims the heap (``trim()``) if this process was configured to between rounds (see
  /// ``trimsBetweenRounds(expectedClients:)``). `FederationService` calls it after every round.
  public static func trimAfterRound() {
    if trimming.load(ordering: .relaxed) { trim() }
  }

  /// Sets glibc's allocator up for a server: at most `arenas` malloc arenas
  /// (`mallopt(M_ARENA_MAX)`, unless `MALLOC_ARENA_MAX` is set), and blocks below 32 MiB from
  /// the heap rather than from their own mappings (`M_MMAP_THRESHOLD`, unless
  /// `MALLOC_MMAP_THRESHOLD_` is set). Call it before the process starts its threads.
  ///
  /// Arenas: glibc gives each thread that meets contention an arena of its own, up to 8 per
  /// core, and memory freed in one arena cannot serve another's allocations: a server whose
  /// event-loop threads allocate each connection's buffers and whose task threads free them
  /// spreads its heap over many half-empty arenas. With one arena per core, `pollen server`
  /// peaked at 927 MiB instead of 958 MiB at 10,000 clients (P = 10k), with no slower rounds.
  ///
  /// Mappings: a 4 MB reply is larger than glibc's initial mapping threshold (128 KiB), and
  /// glibc raises the threshold only above the size of a freed block, so each reply of the same
  /// size was mapped, faulted in page by page and unmapped again: at K = 100, P = 1M, page
  /// faults were 8% of the server's CPU time. From the heap, freed replies' memory is reused.
  ///
  /// Trimming: with the mapping threshold set, glibc keeps its default trim threshold (128 KiB):
  /// a reply freed at the top of a heap is handed back to the kernel at once, and the next one
  /// faults the same pages in again. For a run of at most ``keepFreedUpToClients`` clients
  /// (`expectedClients`) the top of each heap keeps up to
  /// ``keptFreedBytes(expectedClients:)`` (`M_TRIM_THRESHOLD`, unless `MALLOC_TRIM_THRESHOLD_`
  /// is set): at K = 100, P = 1M, 5% less server CPU and 4% shorter rounds for 25 MiB more at
  /// the peak (means of eleven alternating runs of 8 rounds; 10 of 11 faster). At 10,000
  /// clients it bought no time and added 13 MiB to the peak, so larger runs keep glibc's
  /// default, and only they trim the heap after every round (``trimAfterRound()``).
  public static func configureForServer(arenas: Int, expectedClients: Int = 1) {
    trimming.store(trimsBetweenRounds(expectedClients: expectedClients), ordering: .relaxed)
    #if canImport(Glibc)
      guard let mallopt = symbol("mallopt", as: Mallopt.self) else { return }
      if getenv("MALLOC_ARENA_MAX") == nil {
        _ = mallopt(-8, Int32(clamping: max(arenas, 1)))  // M_ARENA_MAX (malloc.h)
      }
      if getenv("MALLOC_MMAP_THRESHOLD_") == nil {
        _ = mallopt(-3, 32 << 20)  // M_MMAP_THRESHOLD, glibc's largest on 64-bit systems
      }
      if getenv("MALLOC_TRIM_THRESHOLD_") == nil, let kept = keptFreedBytes(expectedClients: expectedClients)
      {
        _ = mallopt(-1, Int32(kept))  // M_TRIM_THRESHOLD
      }
    #endif
  }

  /// The most clients for which the server's heaps keep freed memory at their tops.
  public static let keepFreedUpToClients = 1_000
  /// The freed bytes at the top of a heap that the server keeps for a run of `expectedClients`
  /// (`nil`: glibc's default); see ``configureForServer(arenas:expectedClients:)``.
  public static func keptFreedBytes(expectedClients: Int) -> Int? {
    expectedClients <= keepFreedUpToClients ? 64 << 20 : nil
  }

  /// Sets glibc's allocator up for a load generator: freed memory is kept for reuse, never
  /// handed back to the kernel (`M_MMAP_THRESHOLD` 32 MiB, `M_TRIM_THRESHOLD` the largest).
  /// A client assembles an instruction it does not find shared (`SharedInboundMessage`) into a
  /// buffer of its size (4 MB at P = 1M), freed once answered; with glibc's defaults those came
  /// from fresh pages each time, and the page faults and zeroing were ~7% of the generator's CPU
  /// (perf, K = 100, P = 1M). The generator's own memory is not what a benchmark measures.
  public static func configureForLoadGenerator() {
    #if canImport(Glibc)
      guard let mallopt = symbol("mallopt", as: Mallopt.self) else { return }
      _ = mallopt(-3, 32 << 20)  // M_MMAP_THRESHOLD, glibc's largest on 64-bit systems
      _ = mallopt(-1, Int32.max)  // M_TRIM_THRESHOLD
    #endif
  }
}

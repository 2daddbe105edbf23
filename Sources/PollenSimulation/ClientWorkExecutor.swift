import Dispatch

/// Where virtual clients run: threads of a dispatch queue, not Swift's cooperative pool.
///
/// Client work is CPU-bound and does not suspend (a training step is plain computation). On the
/// cooperative pool — one thread per core — it would hold every thread for seconds, and timers,
/// network I/O and progress reporting in the same process would wait. As a task executor
/// preference (``VirtualClientEngine``), the clients' `fit`/`evaluate` run on these threads and
/// leave the pool free. The ``ConcurrencyLimiter`` still bounds how many run at once.
final class ClientWorkExecutor: TaskExecutor, @unchecked Sendable {
  /// The executor every simulation shares.
  static let shared = ClientWorkExecutor()

  private let queue = DispatchQueue(label: "pollen.simulation.clients", attributes: .concurrent)

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
  }
}

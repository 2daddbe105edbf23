import Foundation
import PollenCore
import PollenServer
import Synchronization

/// Shows a run's progress: a live bar on a terminal (round, ETA, latest accuracy), plain log
/// lines otherwise. Writes to standard error.
final class ProgressReporter: Sendable {
  let totalRounds: Int
  let live: Bool
  private let start = ContinuousClock.now

  init(totalRounds: Int, live: Bool) {
    self.totalRounds = totalRounds
    self.live = live
  }

  static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

  func update(round: Int, history: History) {
    let elapsed = ContinuousClock.now - start
    let secs = elapsed.inSeconds
    let eta = round > 0 ? secs / Double(round) * Double(totalRounds - round) : 0
    var acc = ""
    if let a = history.metricsCentralized["accuracy"]?.last?.value.doubleValue {
      acc = String(format: " accuracy %.4f", a)
    } else if let a = history.metricsDistributed["accuracy"]?.last?.value.doubleValue {
      acc = String(format: " accuracy (distributed) %.4f", a)
    }
    var loss = ""
    if let l = history.lossesCentralized.last?.loss { loss = String(format: " loss %.4f", l) }
    if live {
      let width = 30
      let filled = totalRounds > 0 ? width * round / totalRounds : width
      let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
      let line = String(
        format: "\r\u{1B}[2K[%@] round %d/%d  ETA %@%@%@", bar, round, totalRounds, Self.clock(eta), acc, loss
      )
      FileHandle.standardError.write(Data(line.utf8))
    } else {
      let line = String(format: "round %d/%d elapsed %.1fs%@%@\n", round, totalRounds, secs, acc, loss)
      FileHandle.standardError.write(Data(line.utf8))
    }
  }

  func finish() {
    if live { FileHandle.standardError.write(Data("\n".utf8)) }
  }

  static func clock(_ s: Double) -> String {
    let t = Int(s.rounded())
    return String(format: "%02d:%02d", t / 60, t % 60)
  }
}

import Foundation
import PollenCore

extension History {
  /// Reads a history written by `jsonData()` (or by Flower-shaped tools using the same keys).
  public init(jsonData data: Data) throws {
    guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw PollenError(.invalidArgument, "history JSON is not an object")
    }
    self.init()
    func pairs(_ key: String) throws -> [(Int, Any)] {
      guard let v = o[key] else { return [] }
      guard let list = v as? [[Any]] else {
        throw PollenError(.invalidArgument, "history key \(key) is not a list of pairs")
      }
      return try list.map { p in
        guard p.count == 2, let r = (p[0] as? NSNumber)?.intValue else {
          throw PollenError(.invalidArgument, "history key \(key) has a malformed entry \(p)")
        }
        return (r, p[1])
      }
    }
    func scalar(_ v: Any) -> Scalar {
      if let s = v as? String { return .string(s) }
      if let b = v as? Bool,
        (v as? NSNumber).map({ String(cString: $0.objCType) == "c" || String(cString: $0.objCType) == "B" })
          ?? true
      {
        return .bool(b)
      }
      if let n = v as? NSNumber {
        switch String(cString: n.objCType) {
        case "q", "l", "i", "s", "Q", "L", "I", "S": return .int(n.int64Value)
        default: return .double(n.doubleValue)
        }
      }
      return .double(.nan)
    }
    lossesDistributed = try pairs("losses_distributed").map {
      ($0.0, ($0.1 as? NSNumber)?.doubleValue ?? .nan)
    }
    lossesCentralized = try pairs("losses_centralized").map {
      ($0.0, ($0.1 as? NSNumber)?.doubleValue ?? .nan)
    }
    if let t = o["timings"] as? [String: Any] {
      var byRound: [Int: [String: Double]] = [:]
      for (name, v) in t {
        guard let list = v as? [[Any]] else {
          throw PollenError(.invalidArgument, "timings key \(name) is not a list of pairs")
        }
        for p in list where p.count == 2 {
          if let r = (p[0] as? NSNumber)?.intValue, let x = (p[1] as? NSNumber)?.doubleValue {
            byRound[r, default: [:]][name] = x
          }
        }
      }
      timings = byRound.keys.sorted().map { RoundTiming(round: $0, fields: byRound[$0]!) }
    }
    simulatedTime = try pairs("simulated_time").map { ($0.0, ($0.1 as? NSNumber)?.doubleValue ?? .nan) }
    func metrics(_ key: String) throws -> [String: [(round: Int, value: Scalar)]] {
      guard let m = o[key] as? [String: Any] else { return [:] }
      var out: [String: [(round: Int, value: Scalar)]] = [:]
      for (name, v) in m {
        guard let list = v as? [[Any]] else {
          throw PollenError(.invalidArgument, "metric \(name) is not a list of pairs")
        }
        out[name] = list.compactMap { p in
          guard p.count == 2, let r = (p[0] as? NSNumber)?.intValue else { return nil }
          return (r, scalar(p[1]))
        }
      }
      return out
    }
    metricsDistributedFit = try metrics("metrics_distributed_fit")
    metricsDistributed = try metrics("metrics_distributed")
    metricsCentralized = try metrics("metrics_centralized")
    privacy = try metrics("privacy")
    if let s = o["stopped"] as? [String: Any], let r = (s["after_round"] as? NSNumber)?.intValue {
      stopped = (r, "\(s["reason"] ?? "")")
    }
    if let f = o["failures"] as? [[Any]] {
      failures = f.compactMap { e in
        guard e.count == 3, let r = (e[0] as? NSNumber)?.intValue else { return nil }
        return (r, "\(e[1])", "\(e[2])")
      }
    }
  }
}

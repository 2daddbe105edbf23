import PollenCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension History {
  /// The history as JSON shaped like Flower's `History`:
  /// `{"losses_distributed": [[round, loss], …], "losses_centralized": […],
  /// "metrics_distributed_fit": {"name": [[round, value], …]}, "metrics_distributed": {…},
  /// "metrics_centralized": {…}}`, plus `"failures": [[round, cid, reason], …]` and, when
  /// present, `"privacy": {"epsilon": [[round, ε], …], …}`, `"simulated_time": [[round, seconds], …]`,
  /// `"stopped": {"after_round": n, "reason": "…"}` and (unless `includeTimings` is false)
  /// `"timings": {"fit_seconds": [[round, s], …], …, "bytes_sent": …, "bytes_received": …}`.
  /// Keys are sorted, so equal histories give equal bytes.
  public func jsonData(includeTimings: Bool = true) -> Data {
    var out = "{"
    func num(_ d: Double) -> String {
      if d.isNaN || d.isInfinite { return "null" }
      if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) + ".0" }
      return "\(d)"
    }
    func scalar(_ s: Scalar) -> String {
      switch s {
      case .double(let v): return num(v)
      case .int(let v): return "\(v)"
      case .uint(let v): return "\(v)"
      case .bool(let v): return v ? "true" : "false"
      case .string(let v): return jsonString(v)
      case .bytes(let v): return jsonString(v.map { hex2($0) }.joined())
      }
    }
    func losses(_ xs: [(round: Int, loss: Double)]) -> String {
      "[" + xs.map { "[\($0.round), \(num($0.loss))]" }.joined(separator: ", ") + "]"
    }
    func metrics(_ m: [String: [(round: Int, value: Scalar)]]) -> String {
      "{"
        + m.keys.sorted().map { k in
          jsonString(k) + ": [" + m[k]!.map { "[\($0.round), \(scalar($0.value))]" }.joined(separator: ", ")
            + "]"
        }.joined(separator: ", ") + "}"
    }
    out += "\"failures\": ["
    out += failures.map { "[\($0.round), \(jsonString($0.cid)), \(jsonString($0.reason))]" }.joined(
      separator: ", ")
    out += "],\n \"losses_centralized\": " + losses(lossesCentralized)
    out += ",\n \"losses_distributed\": " + losses(lossesDistributed)
    out += ",\n \"metrics_centralized\": " + metrics(metricsCentralized)
    out += ",\n \"metrics_distributed\": " + metrics(metricsDistributed)
    out += ",\n \"metrics_distributed_fit\": " + metrics(metricsDistributedFit)
    if !privacy.isEmpty { out += ",\n \"privacy\": " + metrics(privacy) }
    if !simulatedTime.isEmpty {
      out += ",\n \"simulated_time\": " + losses(simulatedTime.map { ($0.round, $0.seconds) })
    }
    if let stopped {
      out +=
        ",\n \"stopped\": {\"after_round\": \(stopped.afterRound), \"reason\": \(jsonString(stopped.reason))}"
    }
    if includeTimings, !timings.isEmpty {
      let names = timings[0].fields.map(\.name).sorted()
      out += ",\n \"timings\": {"
      out += names.map { name in
        jsonString(name) + ": ["
          + timings.map { t in
            let v = t.fields.first { $0.name == name }!.value
            return "[\(t.round), \(name.hasPrefix("bytes") ? String(Int64(v)) : num(v))]"
          }.joined(separator: ", ") + "]"
      }.joined(separator: ", ")
      out += "}"
    }
    out += "}\n"
    return Data(out.utf8)
  }
}

/// A JSON string literal for `s`.
func jsonString(_ s: String) -> String {
  var r = "\""
  for u in s.unicodeScalars {
    switch u {
    case "\"": r += "\\\""
    case "\\": r += "\\\\"
    case "\n": r += "\\n"
    case "\r": r += "\\r"
    case "\t": r += "\\t"
    case _ where u.value < 0x20: r += "\\u00" + hex2(UInt8(u.value))
    default: r.unicodeScalars.append(u)
    }
  }
  return r + "\""
}

private func hex2(_ b: UInt8) -> String {
  let digits = Array("0123456789abcdef")
  return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}

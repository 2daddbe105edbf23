/// The `flwr-timestamp` header: `datetime.now(UTC).isoformat()`, e.g.
/// `2026-12-01T14:14:31.809210+00:00` (`flwr/supernode/node_auth_http_interceptor.py`).
enum FleetTimestamp {
  /// Unix seconds of an ISO-8601 timestamp with a time zone (`Z` or `±HH:MM`), as Python's
  /// `datetime.fromisoformat` reads it; `nil` for anything else, a naive timestamp included (the
  /// SuperLink cannot compare one with its aware clock either).
  static func parse(_ text: String) -> Double? {
    let b = Array(text.utf8)
    var i = 0
    func digits(_ n: Int) -> Int64? {
      guard i + n <= b.count else { return nil }
      var v: Int64 = 0
      for c in b[i..<(i + n)] {
        guard c >= 48 && c <= 57 else { return nil }
        v = v * 10 + Int64(c - 48)
      }
      i += n
      return v
    }
    func expect(_ c: UInt8) -> Bool {
      guard i < b.count, b[i] == c else { return false }
      i += 1
      return true
    }
    guard let y = digits(4), expect(45), let mo = digits(2), expect(45), let d = digits(2),
      i < b.count, b[i] == 84 || b[i] == 32
    else { return nil }
    i += 1
    guard let h = digits(2), expect(58), let mi = digits(2), expect(58), let s = digits(2) else { return nil }
    guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 60 else { return nil }
    var fraction = 0.0
    if i < b.count, b[i] == 46 || b[i] == 44 {
      i += 1
      var scale = 0.1
      let start = i
      while i < b.count, b[i] >= 48 && b[i] <= 57 {
        fraction += Double(b[i] - 48) * scale
        scale /= 10
        i += 1
      }
      guard i > start else { return nil }
    }
    guard i < b.count else { return nil }
    var offset: Int64 = 0
    if b[i] == 90 {
      i += 1
    } else if b[i] == 43 || b[i] == 45 {
      let sign: Int64 = b[i] == 45 ? -1 : 1
      i += 1
      guard let oh = digits(2) else { return nil }
      _ = expect(58)
      guard let om = digits(2), oh < 24, om < 60 else { return nil }
      offset = sign * (oh * 3600 + om * 60)
    } else {
      return nil
    }
    guard i == b.count else { return nil }
    return Double(daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset) + fraction
  }

  /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
  private static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }
}

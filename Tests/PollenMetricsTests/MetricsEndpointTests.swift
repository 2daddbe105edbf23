import Foundation
import Logging
import Metrics
import PollenMetrics
import Testing

/// `MetricsEndpoint` serves what swift-metrics emits, over a real HTTP connection.
///
/// All tests share the process's one Prometheus registry, so each uses its own metric names.
@Suite struct MetricsEndpointTests {
  let logger = Logger(label: "test.metrics")

  /// Every sample line of a Prometheus text exposition, as `series → value` (series is the name
  /// with its `{labels}`); records an issue for any line that is not valid text format.
  func samples(_ body: String) -> [String: Double] {
    let sample = #/^([a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})?) (\S+)$/#
    let type = #/^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/#
    var values: [String: Double] = [:]
    for line in body.split(separator: "\n") {
      if line.hasPrefix("# HELP ") { continue }
      if line.hasPrefix("#") {
        #expect(line.wholeMatch(of: type) != nil, "invalid comment line: \(line)")
        continue
      }
      guard let match = line.wholeMatch(of: sample), let value = Double(match.output.4) else {
        Issue.record("invalid sample line: \(line)")
        continue
      }
      values[String(match.output.1)] = value
    }
    return values
  }

  @Test func servesCountersGaugesAndHistogramsInPrometheusText() async throws {
    let endpoint = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, logger: logger)
    #expect(endpoint.port > 0)
    Counter(label: "endpoint_test_requests_total", dimensions: [("phase", "fit")]).increment(by: 3)
    Counter(label: "endpoint_test_requests_total", dimensions: [("phase", "evaluate")]).increment()
    Gauge(label: "endpoint_test_clients").record(2)
    let timer = Metrics.Timer(label: "endpoint_test_round_seconds")
    timer.recordSeconds(0.3)
    timer.recordSeconds(42.0)

    let response = try RawHTTP.get(port: endpoint.port, "/metrics")
    await endpoint.stop()
    #expect(response.status == 200)
    #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
    #expect(response.body.contains("# TYPE endpoint_test_requests_total counter\n"))
    #expect(response.body.contains("# TYPE endpoint_test_clients gauge\n"))
    #expect(response.body.contains("# TYPE endpoint_test_round_seconds histogram\n"))
    let values = samples(response.body)
    #expect(values[#"endpoint_test_requests_total{phase="fit"}"#] == 3)
    #expect(values[#"endpoint_test_requests_total{phase="evaluate"}"#] == 1)
    #expect(values["endpoint_test_clients"] == 2)
    // Buckets in seconds, cumulative, from milliseconds to an hour.
    #expect(values[#"endpoint_test_round_seconds_bucket{le="0.25"}"#] == 0)
    #expect(values[#"endpoint_test_round_seconds_bucket{le="0.5"}"#] == 1)
    #expect(values[#"endpoint_test_round_seconds_bucket{le="30.0"}"#] == 1)
    #expect(values[#"endpoint_test_round_seconds_bucket{le="60.0"}"#] == 2)
    #expect(values[#"endpoint_test_round_seconds_bucket{le="3600.0"}"#] == 2)
    #expect(values[#"endpoint_test_round_seconds_bucket{le="+Inf"}"#] == 2)
    #expect(values["endpoint_test_round_seconds_count"] == 2)
    #expect(abs((values["endpoint_test_round_seconds_sum"] ?? 0) - 42.3) < 1e-9)
  }

  @Test func laterScrapesSeeNewValuesAndAStartedEndpointReusesTheRegistry() async throws {
    let first = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, logger: logger)
    let second = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, logger: logger)
    #expect(first.port != second.port)
    let counter = Counter(label: "endpoint_test_reuse_total")
    counter.increment()
    #expect(samples(try RawHTTP.get(port: first.port, "/metrics").body)["endpoint_test_reuse_total"] == 1)
    counter.increment(by: 4)
    #expect(samples(try RawHTTP.get(port: second.port, "/metrics").body)["endpoint_test_reuse_total"] == 5)
    await first.stop()
    await second.stop()
  }

  @Test func otherPathsAre404AndOtherMethods405() async throws {
    let endpoint = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, logger: logger)
    defer { Task { await endpoint.stop() } }
    #expect(try RawHTTP.get(port: endpoint.port, "/").status == 404)
    #expect(try RawHTTP.get(port: endpoint.port, "/metrics/x").status == 404)
    #expect(try RawHTTP.get(port: endpoint.port, "/favicon.ico").status == 404)
    #expect(try RawHTTP.get(port: endpoint.port, "/metrics?name=x").status == 200)
    let post = try RawHTTP.get(port: endpoint.port, "/metrics", method: "POST")
    #expect(post.status == 405)
    #expect(post.headers["allow"] == "GET, HEAD")
    let head = try RawHTTP.get(port: endpoint.port, "/metrics", method: "HEAD")
    #expect(head.status == 200 && head.body.isEmpty)
  }

  @Test func keepsAConnectionAliveForSeveralScrapes() async throws {
    let endpoint = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, logger: logger)
    Counter(label: "endpoint_test_keepalive_total").increment()
    let request =
      "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
      + "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    let text = String(decoding: try RawHTTP.exchange(port: endpoint.port, Array(request.utf8)), as: UTF8.self)
    await endpoint.stop()
    #expect(text.components(separatedBy: "HTTP/1.1 200 OK\r\n").count - 1 == 2)
    #expect(text.components(separatedBy: "HTTP/1.1 404 Not Found\r\n").count - 1 == 1)
    #expect(text.components(separatedBy: "endpoint_test_keepalive_total 1\n").count - 1 == 2)
  }

  @Test func aGarbageRequestClosesItsConnectionAndTheEndpointServesOn() async throws {
    let endpoint = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, logger: logger)
    defer { Task { await endpoint.stop() } }
    let garbage: [[UInt8]] = [
      [0x00, 0xFF, 0x16, 0x03, 0x01] + Array(repeating: 0x41, count: 300) + Array("\r\n\r\n".utf8),
      Array("GET /metrics HTTP/9.9 nonsense\r\n\r\n".utf8),
      Array("GET /metrics HTTP/1.1\r\nContent-Length: -5\r\n\r\n".utf8),
      Array("GET /metrics HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n".utf8),
    ]
    for request in garbage {
      // The server answers 400 and closes: `exchange` returns instead of timing out.
      let reply = try RawHTTP.exchange(port: endpoint.port, request)
      #expect(RawHTTP.parse(reply)?.status == 400, "\(String(decoding: reply, as: UTF8.self))")
    }
    // A client that connects and goes away mid-request does no harm either.
    _ = try? RawHTTP.exchange(port: endpoint.port, Array("GET /met".utf8), timeoutSeconds: 1)
    #expect(try RawHTTP.get(port: endpoint.port, "/metrics").status == 200)
  }

  @Test func stopClosesTheListenerAndOpenConnections() async throws {
    let endpoint = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, logger: logger)
    let port = endpoint.port
    #expect(try RawHTTP.get(port: port, "/metrics").status == 200)
    await endpoint.stop()
    await endpoint.stop()
    #expect(throws: RawHTTP.Failure.self) { try RawHTTP.get(port: port, "/metrics") }
  }

  @Test func aPortInUseIsAnError() async throws {
    let endpoint = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0, logger: logger)
    await #expect(throws: (any Error).self) {
      _ = try await MetricsEndpoint.start(host: "127.0.0.1", port: endpoint.port, logger: self.logger)
    }
    await endpoint.stop()
  }
}

import Foundation
import Testing

/// `--metrics-address`: a real HTTP client (Python's urllib, `scrape_metrics.py`) scrapes
/// `/metrics` while `pollen server` runs with Flower 1.41 clients, and while `pollen simulate` runs.
@Suite(.serialized) struct MetricsScrapeTests {
  /// The scraper's summary (see `scrape_metrics.py`).
  struct Scrape {
    var scrapes: Int
    var errors: [String]
    var max: [String: Double]
    var last: [String: Double]

    /// The sum of the maxima of every series of `name` whose labels include all of `labels`.
    func total(_ name: String, _ labels: [String] = []) -> Double {
      max.filter { series, _ in
        (series == name || series.hasPrefix(name + "{")) && labels.allSatisfy { series.contains($0) }
      }.values.reduce(0, +)
    }
  }

  /// The port in the `metrics on http://127.0.0.1:PORT/metrics` line `process` logged.
  func metricsPort(of process: PeerProcess) async throws -> Int {
    let out = try await process.waitForOutput(containing: "/metrics", timeout: .seconds(60))
    let match = try #require(out.firstMatch(of: #/metrics on http://127\.0\.0\.1:(\d+)/metrics/#))
    return try #require(Int(match.output.1))
  }

  /// Starts `scrape_metrics.py` against 127.0.0.1:`port`.
  func startScraper(port: Int, in dir: URL) throws -> PeerProcess {
    try PeerProcess(
      name: "scraper", executable: Interop.python(),
      arguments: [
        Interop.script("scrape_metrics.py"), "http://127.0.0.1:\(port)/metrics", "--timeout", "280",
      ],
      directory: dir)
  }

  /// Waits for the scraper to end (it does when the endpoint goes away) and reads its summary.
  func summary(of scraper: PeerProcess) async throws -> Scrape {
    let status = try await scraper.wait(timeout: .seconds(300))
    try #require(status == 0, "scraper failed:\n\(scraper.output())")
    let line = try #require(scraper.output().split(separator: "\n").last.map(String.init))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    return Scrape(
      scrapes: object["scrapes"] as? Int ?? 0, errors: object["errors"] as? [String] ?? ["no errors field"],
      max: object["max"] as? [String: Double] ?? [:], last: object["last"] as? [String: Double] ?? [:])
  }

  @Test func serverMetricsDuringARunWithAFailingFlowerClient() async throws {
    let dir = try Interop.temporaryDirectory("metrics")
    let port = try await Interop.freePort()
    let server = try PeerProcess(
      name: "pollen-server", executable: Interop.pollen(),
      arguments: [
        "server", "--address", "127.0.0.1:\(port)", "--rounds", "3", "--min-clients", "2",
        "--round-timeout", "60", "--metrics-address", "127.0.0.1:0", "--out", dir.path,
      ], directory: dir)
    defer { server.kill() }
    let scraper = try startScraper(port: try await metricsPort(of: server), in: dir)
    defer { scraper.kill() }
    _ = try await server.waitForOutput(containing: "listening on 127.0.0.1:\(port)", timeout: .seconds(60))

    // Both clients train for 0.3 s per fit (the run lasts long enough to be seen) and wait 2 s
    // before acknowledging ReconnectIns (the final counters are seen before the server exits).
    // Client B answers fit in round 2 with FIT_NOT_IMPLEMENTED: one fit failure.
    func client(_ name: String, _ extra: [String]) throws -> PeerProcess {
      try PeerProcess(
        name: "flower-client-\(name)", executable: Interop.python(),
        arguments: [
          Interop.script("metrics_client.py"), "--server", "127.0.0.1:\(port)", "--fit-seconds", "0.3",
          "--linger", "2",
        ] + extra, directory: dir)
    }
    let a = try client("a", ["--delta", "1", "--num-examples", "10"])
    let b = try client("b", ["--delta", "4", "--num-examples", "30", "--fail-fit-round", "2"])
    defer { a.kill(); b.kill() }

    let status = try await server.wait(timeout: .seconds(300))
    #expect(status == 0, "pollen server failed:\n\(server.output())")
    #expect(try await a.wait(timeout: .seconds(60)) == 0, "client A:\n\(a.output())")
    #expect(try await b.wait(timeout: .seconds(60)) == 0, "client B:\n\(b.output())")
    let scrape = try await summary(of: scraper)

    #expect(scrape.scrapes > 10, "\(scrape.scrapes) scrapes")
    #expect(scrape.errors.isEmpty, "not Prometheus text: \(scrape.errors)")
    #expect(scrape.max["pollen_connected_clients"] == 2, "\(scrape.max)")
    #expect(scrape.max["pollen_current_round"] == 3, "\(scrape.max)")
    #expect(scrape.max["pollen_rounds_completed_total"] == 3, "\(scrape.max)")
    #expect(scrape.total("pollen_failures_total", [#"phase="fit""#]) == 1, "\(scrape.max)")
    #expect(scrape.total("pollen_failures_total", [#"phase="fit""#, #"reason="clientFailed""#]) == 1)
    #expect(scrape.total("pollen_failures_total", [#"phase="evaluate""#]) == 0, "\(scrape.max)")
    #expect(scrape.total("pollen_results_total", [#"phase="fit""#]) == 5, "\(scrape.max)")
    #expect(scrape.total("pollen_results_total", [#"phase="evaluate""#]) == 6, "\(scrape.max)")
    #expect(scrape.max["pollen_round_duration_seconds_count"] == 3, "\(scrape.max)")
    #expect(scrape.max["pollen_fit_duration_seconds_count"] == 3, "\(scrape.max)")
    #expect(scrape.max["pollen_evaluate_duration_seconds_count"] == 3, "\(scrape.max)")
    // Every fit took at least 0.3 s, so every round did too.
    #expect(scrape.max[#"pollen_round_duration_seconds_bucket{le="0.25"}"#] == 0, "\(scrape.max)")
    #expect((scrape.max["pollen_round_duration_seconds_sum"] ?? 0) >= 0.9, "\(scrape.max)")
    #expect(scrape.total("pollen_bytes_sent_total") > 0, "\(scrape.max)")
    #expect(scrape.total("pollen_bytes_received_total") > 0, "\(scrape.max)")

    // The history agrees: one failure, in round 2's fit.
    let history = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("history.json")))
        as? [String: Any])
    let failures = try #require(history["failures"] as? [[Any]])
    #expect(failures.count == 1 && (failures.first?.first as? Int) == 2, "\(failures)")
  }

  @Test func simulateServesMetricsToo() async throws {
    let dir = try Interop.temporaryDirectory("metrics-simulate")
    let simulate = try PeerProcess(
      name: "pollen-simulate", executable: Interop.pollen(),
      arguments: [
        "simulate", "--clients", "20", "--rounds", "12", "--fraction-fit", "0.5", "--plain",
        "--metrics-address", "127.0.0.1:0", "--out", dir.appendingPathComponent("run").path,
      ], directory: dir)
    defer { simulate.kill() }
    let scraper = try startScraper(port: try await metricsPort(of: simulate), in: dir)
    defer { scraper.kill() }
    let status = try await simulate.wait(timeout: .seconds(300))
    #expect(status == 0, "pollen simulate failed:\n\(simulate.output())")
    let scrape = try await summary(of: scraper)

    #expect(scrape.scrapes > 0)
    #expect(scrape.errors.isEmpty, "not Prometheus text: \(scrape.errors)")
    // The last scrape may come before the last rounds end; it saw the run in progress.
    let rounds = try #require(scrape.max["pollen_rounds_completed_total"], "\(scrape.max)")
    #expect((1...12).contains(rounds), "\(scrape.max)")
    #expect((scrape.max["pollen_current_round"] ?? 0) >= rounds, "\(scrape.max)")
    #expect(scrape.total("pollen_results_total", [#"phase="fit""#]) >= 10 * rounds, "\(scrape.max)")
    // (A scrape may fall between a round's counter and its histogram.)
    let durations = scrape.max["pollen_round_duration_seconds_count"] ?? -1
    #expect(durations == rounds || durations == rounds - 1, "\(scrape.max)")
  }
}

import PollenCore
import PollenServer

/// A self-contained HTML page describing a run: accuracy and loss per round (centralised and
/// distributed) as inline SVG, the final numbers, the failures, and the run's settings.
public struct RunReport: Sendable {
  public var title: String
  public var history: History
  /// The run's settings, shown as a table (e.g. the contents of `config.json`).
  public var settings: [(key: String, value: String)]

  public init(title: String, history: History, settings: [(key: String, value: String)]) {
    self.title = title
    self.history = history
    self.settings = settings
  }

  /// The accuracy chart (centralised and distributed `accuracy` metrics).
  public var accuracyPlot: SVGPlot {
    SVGPlot(
      title: "Accuracy per round", xLabel: "round", yLabel: "accuracy",
      series: [
        .init(
          name: "centralised", points: SVGPlot.points(history.metricsCentralized["accuracy"]),
          color: "#1f77b4"),
        .init(
          name: "distributed", points: SVGPlot.points(history.metricsDistributed["accuracy"]),
          color: "#ff7f0e"),
      ])
  }

  /// The loss chart (centralised and distributed losses).
  public var lossPlot: SVGPlot {
    SVGPlot(
      title: "Loss per round", xLabel: "round", yLabel: "loss",
      series: [
        .init(
          name: "centralised", points: history.lossesCentralized.map { (Double($0.round), $0.loss) },
          color: "#1f77b4"),
        .init(
          name: "distributed", points: history.lossesDistributed.map { (Double($0.round), $0.loss) },
          color: "#ff7f0e"),
        .init(
          name: "training (fit)", points: SVGPlot.points(history.metricsDistributedFit["loss"]),
          color: "#2ca02c"),
      ])
  }

  /// The round-duration chart: each round's wall-clock seconds and its fit phase, as measured
  /// inside the server (`History/timings`); `nil` without timings.
  public var durationPlot: SVGPlot? {
    guard !history.timings.isEmpty else { return nil }
    return SVGPlot(
      title: "Round duration", xLabel: "round", yLabel: "seconds",
      series: [
        .init(
          name: "round", points: history.timings.map { (Double($0.round), $0.roundSeconds) }, color: "#1f77b4"
        ),
        .init(
          name: "fit", points: history.timings.map { (Double($0.round), $0.fitSeconds) }, color: "#ff7f0e"),
      ])
  }

  /// The page.
  public func html() -> String {
    var rows = ""
    for (k, v) in settings { rows += "<tr><th>\(escape(k))</th><td>\(escape(v))</td></tr>" }
    var summary = ""
    if let acc = history.metricsCentralized["accuracy"]?.last, let v = acc.value.doubleValue {
      summary += "<li>final centralised accuracy: <b>\(format(v))</b> (round \(acc.round))</li>"
    }
    if let acc = history.metricsDistributed["accuracy"]?.last, let v = acc.value.doubleValue {
      summary += "<li>final distributed accuracy: <b>\(format(v))</b> (round \(acc.round))</li>"
    }
    if let l = history.lossesCentralized.last {
      summary += "<li>final centralised loss: \(format(l.loss))</li>"
    }
    if let l = history.lossesDistributed.last {
      summary += "<li>final distributed loss: \(format(l.loss))</li>"
    }
    summary += "<li>client failures recorded: \(history.failures.count)</li>"
    var failures = ""
    if !history.failures.isEmpty {
      failures = "<h2>Failures</h2><table><tr><th>round</th><th>client</th><th>reason</th></tr>"
      for f in history.failures.prefix(200) {
        failures += "<tr><td>\(f.round)</td><td>\(escape(f.cid))</td><td>\(escape(f.reason))</td></tr>"
      }
      failures += "</table>"
      if history.failures.count > 200 { failures += "<p>… and \(history.failures.count - 200) more.</p>" }
    }
    return HTMLPage.render(
      title: title,
      body: """
        <ul>\(summary)</ul>
        <div class="plots">\(accuracyPlot.render(id: "accuracy-plot"))\(lossPlot.render(id: "loss-plot"))\(durationPlot?.render(id: "duration-plot") ?? "")</div>
        <h2>Settings</h2><table>\(rows)</table>
        \(failures)
        """)
  }

  private func format(_ v: Double) -> String {
    let r = (v * 10000).rounded() / 10000
    return String(r)
  }
}

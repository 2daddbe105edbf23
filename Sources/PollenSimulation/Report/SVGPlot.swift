import PollenCore

/// A line chart drawn as standalone SVG (no scripts, no external files).
public struct SVGPlot: Sendable {
  /// One line of the chart.
  public struct Series: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var color: String
    public init(name: String, points: [(x: Double, y: Double)], color: String) {
      self.name = name
      self.points = points
      self.color = color
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  public var width = 640.0
  public var height = 360.0

  /// A metric series of a `History` as (round, value) points; non-numeric values are left out.
  public static func points(_ series: [(round: Int, value: Scalar)]?) -> [(x: Double, y: Double)] {
    (series ?? []).compactMap { p in p.value.doubleValue.map { (Double(p.round), $0) } }
  }

  public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series.filter { !$0.points.isEmpty }
  }

  /// The chart as an `<svg>` element.
  public func render(id: String) -> String {
    let left = 64.0, right = 16.0, top = 40.0, bottom = 48.0
    let pw = width - left - right, ph = height - top - bottom
    let all = series.flatMap(\.points).filter { $0.y.isFinite }
    var svg =
      "<svg id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
    svg += "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">"
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
    svg +=
      "<text x=\"\(f(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"600\">\(escape(title))</text>"
    guard let minX = all.map(\.x).min(), let maxX = all.map(\.x).max(),
      var minY = all.map(\.y).min(), var maxY = all.map(\.y).max()
    else {
      return svg
        + "<text x=\"\(f(width / 2))\" y=\"\(f(height / 2))\" text-anchor=\"middle\">no data</text></svg>"
    }
    if maxY - minY < 1e-12 {
      minY -= 0.5
      maxY += 0.5
    }
    let pad = (maxY - minY) * 0.05
    minY -= pad
    maxY += pad
    let spanX = max(maxX - minX, 1)
    func px(_ x: Double) -> Double { left + (x - minX) / spanX * pw }
    func py(_ y: Double) -> Double { top + (1 - (y - minY) / (maxY - minY)) * ph }
    // Grid, ticks and axes.
    for i in 0...4 {
      let y = minY + (maxY - minY) * Double(i) / 4
      svg +=
        "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(py(y)))\" y2=\"\(f(py(y)))\" stroke=\"#e5e5e5\"/>"
      svg +=
        "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\" font-size=\"11\">\(tick(y))</text>"
    }
    // x is the round: whole-number ticks, at most five.
    let step = max(1, (spanX / 4).rounded(.up))
    var x = minX.rounded(.up)
    while x <= maxX + 1e-9 {
      svg +=
        "<text x=\"\(f(px(x)))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\" font-size=\"11\">\(tick(x))</text>"
      x += step
    }
    svg +=
      "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#888\"/>"
    svg +=
      "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 10))\" text-anchor=\"middle\" font-size=\"12\">\(escape(xLabel))</text>"
    svg +=
      "<text transform=\"translate(16 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(escape(yLabel))</text>"
    for (i, s) in series.enumerated() {
      let pts = s.points.filter { $0.y.isFinite }.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(
        separator: " ")
      svg +=
        "<polyline class=\"series\" data-name=\"\(escape(s.name))\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" points=\"\(pts)\"/>"
      if s.points.count <= 60 {
        for p in s.points where p.y.isFinite {
          svg += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(s.color)\"/>"
        }
      }
      let ly = top + 14 + Double(i) * 16
      svg +=
        "<line x1=\"\(f(left + pw - 150))\" x2=\"\(f(left + pw - 130))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(s.color)\" stroke-width=\"3\"/>"
      svg += "<text x=\"\(f(left + pw - 124))\" y=\"\(f(ly))\" font-size=\"11\">\(escape(s.name))</text>"
    }
    return svg + "</svg>"
  }

  private func f(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return r == r.rounded() ? String(Int(r)) : String(r)
  }

  private func tick(_ v: Double) -> String {
    if abs(v) >= 100 || v == v.rounded() { return String(Int(v.rounded())) }
    let r = (v * 1000).rounded() / 1000
    return String(r)
  }
}

/// Escapes text for HTML and SVG.
func escape(_ s: String) -> String {
  var r = ""
  for c in s {
    switch c {
    case "&": r += "&amp;"
    case "<": r += "&lt;"
    case ">": r += "&gt;"
    case "\"": r += "&quot;"
    default: r.append(c)
    }
  }
  return r
}

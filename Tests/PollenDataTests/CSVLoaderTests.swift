import Foundation
import PollenCore
import PollenData
import Testing

@Suite("CSV loader")
struct CSVLoaderTests {
  @Test("no header, label last: features in order, integer labels sorted numerically")
  func noHeaderLabelLast() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let url = try dir.write("plain.csv", text: "1,2,10\n3,4,2\r\n\n5,6.5,10\n")
    let table = try CSVLoader.loadTable(url: url)
    #expect(table.featureNames == nil)
    #expect(table.dataset.featureShape == [2])
    #expect(table.dataset.features == [1, 2, 3, 4, 5, 6.5])
    // 2 < 10 numerically (as strings "10" < "2").
    #expect(table.classNames == ["2", "10"])
    #expect(table.dataset.labels == [1, 0, 1])
    #expect(try CSVLoader.load(url: url).labels == [1, 0, 1])
  }

  @Test("header detected, label first, string labels sorted")
  func headerAndStringLabels() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let text =
      "species,petal length,petal width\nvirginica,5.1,1.8\nsetosa,1.4,0.2\n\"versi,color\",4.5,1.5\n"
    let url = try dir.write("iris.csv", text: text)
    let table = try CSVLoader.loadTable(url: url, options: .defaults { $0.labelColumn = 0 })
    #expect(table.featureNames == ["petal length", "petal width"])
    #expect(table.classNames == ["setosa", "versi,color", "virginica"])
    #expect(table.dataset.labels == [2, 0, 1])
    #expect(table.dataset.features == [5.1, 1.8, 1.4, 0.2, 4.5, 1.5])
  }

  @Test("negative label column counts from the right; id column is kept apart")
  func negativeLabelColumnAndIDs() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let url = try dir.write("ids.csv", text: "u7,0.5,yes,9\nu3,1.5,no,8\nu7,2.5,no,7\n")
    let table = try CSVLoader.loadTable(
      url: url,
      options: .defaults {
        $0.labelColumn = -2
        $0.idColumn = 0
      })
    #expect(table.dataset.featureShape == [2])
    #expect(table.dataset.features == [0.5, 9, 1.5, 8, 2.5, 7])
    #expect(table.classNames == ["no", "yes"])
    #expect(table.dataset.labels == [1, 0, 0])
    #expect(table.ids == ["u7", "u3", "u7"])
  }

  @Test("header modes: present skips the first row, absent rejects a text row")
  func headerModes() throws {
    let data = Data("1,2,0\n3,4,1\n".utf8)
    let skipped = try CSVLoader.parse(data, options: .defaults { $0.header = .present })
    #expect(skipped.dataset.count == 1)
    #expect(skipped.featureNames == ["1", "2"])
    let message = pollenErrorMessage {
      _ = try CSVLoader.parse(Data("a,b,label\n1,2,0\n".utf8), options: .defaults { $0.header = .absent })
    }
    #expect(message == "CSV: line 1: column 1: 'a' is not a number")
  }

  @Test("standardisation gives mean 0 and std 1 per feature")
  func standardize() throws {
    let table = try CSVLoader.parse(
      Data("1,100,0\n2,200,1\n3,300,0\n".utf8), options: .defaults { $0.standardize = true })
    let stats = table.dataset.featureStatistics()
    #expect(stats.mean.allSatisfy { abs($0) < 1e-6 })
    #expect(stats.std.allSatisfy { abs($0 - 1) < 1e-5 })
    #expect(abs(table.dataset.features[0] + 1.2247449) < 1e-5)  // (1 - 2) / sqrt(2/3)
  }

  @Test("wrong column count names the line")
  func wrongColumnCount() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    var lines = (0..<6).map { _ in Array(repeating: "1", count: 65).joined(separator: ",") }
    lines.insert("", at: 3)  // a blank line still counts as a physical line
    lines.append(Array(repeating: "2", count: 12).joined(separator: ","))
    let url = try dir.write("digits.csv", text: lines.joined(separator: "\n"))
    let message = pollenErrorMessage { _ = try CSVLoader.load(url: url) }
    #expect(message == "digits.csv: line 8: expected 65 columns, found 12")
  }

  @Test("non-numeric feature, empty value, empty file and header-only file are errors with a line")
  func malformed() throws {
    let bad = pollenErrorMessage { _ = try CSVLoader.parse(Data("1,2,0\n3,x4,1\n".utf8)) }
    #expect(bad == "CSV: line 2: column 2: 'x4' is not a number")
    let empty = pollenErrorMessage { _ = try CSVLoader.parse(Data("1,2,0\n,4,1\n".utf8)) }
    #expect(empty?.contains("line 2: column 1: empty value") == true)
    let nothing = pollenErrorMessage { _ = try CSVLoader.parse(Data("\n  \n".utf8)) }
    #expect(nothing == "CSV: line 1: empty file (no rows)")
    let headerOnly = pollenErrorMessage { _ = try CSVLoader.parse(Data("a,b,c\n".utf8)) }
    #expect(headerOnly == "CSV: line 2: no data rows after the header")
    let quote = pollenErrorMessage { _ = try CSVLoader.parse(Data("1,2,0\n1,2,\"open\n".utf8)) }
    #expect(quote?.contains("line 2: unterminated quoted field") == true)
    let column = pollenErrorMessage {
      _ = try CSVLoader.parse(Data("1,2,0\n".utf8), options: .defaults { $0.labelColumn = 3 })
    }
    #expect(column == "CSV: line 1: label column 3 is out of range for 3 columns")
  }

  @Test("a missing file is an io error")
  func missingFile() {
    #expect(throws: PollenError.self) {
      try CSVLoader.load(url: URL(fileURLWithPath: "/nonexistent/pollen.csv"))
    }
  }

  @Test("gzipped CSV loads like the plain file")
  func gzipped() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let text = "0.5,1,a\n0.25,2,b\n"
    let url = try dir.write("small.csv.gz", Gzip.compress(Data(text.utf8)))
    let plain = try CSVLoader.parse(Data(text.utf8)).dataset
    let loaded = try CSVLoader.load(url: url)
    #expect(loaded.features == plain.features)
    #expect(loaded.labels == plain.labels)
  }
}

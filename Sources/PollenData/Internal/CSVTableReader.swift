/// A CSV problem at a physical line; ``CSVLoader`` turns it into a `PollenError`.
struct CSVLineError: Error {
  var line: Int
  var message: String
}

/// Reads the rows of a ``CSVScanner`` into a ``CSVTable`` (the work behind ``CSVLoader``).
struct CSVTableReader {
  var scanner: CSVScanner
  let options: CSVLoader.Options

  private var fields: [CSVField] = []
  private var features: [Float] = []
  private var rawLabelIndex: [Int32] = []
  private var labelIDs: [String: Int32] = [:]
  private var rawLabels: [String] = []
  private var ids: [String] = []

  init(scanner: CSVScanner, options: CSVLoader.Options) {
    self.scanner = scanner
    self.options = options
  }

  mutating func read() throws(CSVLineError) -> CSVTable {
    guard try next() else { throw CSVLineError(line: 1, message: "empty file (no rows)") }
    let columns = fields.count
    let labelColumn = try resolve(options.labelColumn, columns: columns, what: "label")
    let idColumn = try options.idColumn.map { column throws(CSVLineError) in
      try resolve(column, columns: columns, what: "id")
    }
    if idColumn == labelColumn {
      throw CSVLineError(line: scanner.line, message: "the id column and the label column are the same")
    }
    let featureColumns = (0..<columns).filter { $0 != labelColumn && $0 != idColumn }
    guard !featureColumns.isEmpty else {
      throw CSVLineError(line: scanner.line, message: "no feature columns among \(columns) columns")
    }

    let isHeader: Bool
    switch options.header {
    case .present: isHeader = true
    case .absent: isHeader = false
    case .auto: isHeader = featureColumns.contains { scanner.number(fields[$0]) == nil }
    }
    var featureNames: [String]? = nil
    if isHeader {
      featureNames = featureColumns.map { scanner.string(fields[$0]) }
      guard try next() else {
        throw CSVLineError(line: scanner.line + 1, message: "no data rows after the header")
      }
    }
    repeat {
      guard fields.count == columns else {
        throw CSVLineError(
          line: scanner.line, message: "expected \(columns) columns, found \(fields.count)")
      }
      for column in featureColumns {
        guard let value = scanner.number(fields[column]) else {
          let text = scanner.string(fields[column])
          let problem = text.isEmpty ? "empty value" : "'\(text)' is not a number"
          throw CSVLineError(line: scanner.line, message: "column \(column + 1): \(problem)")
        }
        features.append(Float(value))
      }
      addLabel(scanner.string(fields[labelColumn]))
      if let idColumn { ids.append(scanner.string(fields[idColumn])) }
    } while try next()

    let (classOfRaw, classNames) = Self.orderClasses(rawLabels)
    let labels = rawLabelIndex.map { classOfRaw[Int($0)] }
    var dataset = Dataset(
      features: features, featureShape: [featureColumns.count], labels: labels,
      numClasses: classNames.count)
    if options.standardize { dataset = dataset.standardized() }
    return CSVTable(
      dataset: dataset, classNames: classNames, featureNames: featureNames,
      ids: idColumn == nil ? nil : ids)
  }

  private mutating func next() throws(CSVLineError) -> Bool {
    do {
      return try scanner.nextRow(into: &fields)
    } catch {
      throw CSVLineError(line: scanner.line, message: error.message)
    }
  }

  private func resolve(_ column: Int, columns: Int, what: String) throws(CSVLineError) -> Int {
    let index = column < 0 ? columns + column : column
    guard index >= 0 && index < columns else {
      throw CSVLineError(
        line: scanner.line, message: "\(what) column \(column) is out of range for \(columns) columns")
    }
    return index
  }

  private mutating func addLabel(_ text: String) {
    if let id = labelIDs[text] {
      rawLabelIndex.append(id)
    } else {
      let id = Int32(rawLabels.count)
      labelIDs[text] = id
      rawLabels.append(text)
      rawLabelIndex.append(id)
    }
  }

  /// Maps each distinct label text to its class: classes sorted numerically if every label is
  /// a number (equal numbers such as `1` and `1.0` are one class), else as strings.
  static func orderClasses(_ raw: [String]) -> (classOfRaw: [Int32], names: [String]) {
    let values = raw.map { Double($0) }
    if values.allSatisfy({ $0 != nil && $0!.isFinite }) {
      var firstName: [Double: String] = [:]
      for (text, value) in zip(raw, values) where firstName[value!] == nil { firstName[value!] = text }
      let sorted = firstName.keys.sorted()
      let classOf = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Int32($0)) })
      return (values.map { classOf[$0!]! }, sorted.map { firstName[$0]! })
    }
    let sorted = raw.sorted()
    let classOf = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Int32($0)) })
    return (raw.map { classOf[$0]! }, sorted)
  }
}

import Foundation
import PollenCore

/// Loads labelled tabular data from CSV: one example per line, numeric features, and a label
/// column whose values (strings or numbers) become classes `0..<k` in sorted order.
///
/// Files ending in anything may be gzipped; they are decompressed transparently. Malformed
/// input throws `PollenError` `.invalidArgument` whose message names the 1-based line, e.g.
/// `digits.csv: line 7: expected 65 columns, found 12`.
public enum CSVLoader {
  /// Whether the first non-blank line is a header of column names.
  public enum Header: Sendable, Hashable {
    /// A header if some feature column of the first row is not a number.
    case auto
    /// The first row is a header (it is not parsed).
    case present
    /// There is no header; the first row is data.
    case absent
  }

  /// How to read a CSV file.
  public struct Options: Sendable, Hashable {
    /// The label column: 0-based from the left, or negative to count from the right (`-1`, the
    /// default, is the last column).
    public var labelColumn: Int = -1
    /// An optional column of example keys (a user or device id) that is neither feature nor
    /// label; its values land in ``CSVTable/ids`` for ``NaturalIDPartitioner``. Negative counts
    /// from the right, like `labelColumn`.
    public var idColumn: Int? = nil
    /// Header handling; ``Header/auto`` by default.
    public var header: Header = .auto
    /// Standardise each feature to mean 0, standard deviation 1 (population std).
    public var standardize: Bool = false
    /// The field separator, an ASCII character (`,` by default; `;` and tab are common).
    public var delimiter: UInt8 = UInt8(ascii: ",")

    public init() {}

    /// The defaults: last column is the label, header detected, no standardisation.
    public static var defaults: Options { Options() }

    /// The defaults changed by `configure`.
    public static func defaults(configure: (inout Options) -> Void) -> Options {
      var options = Options()
      configure(&options)
      return options
    }
  }

  /// Loads the CSV at `url` as a ``Dataset`` (features shape `[columns - 1]`).
  /// - Parameters:
  ///   - url: the file (gzipped or not).
  ///   - labelColumn: 0-based label column, negative counts from the right (default: last).
  ///   - standardize: standardise every feature (z-score).
  /// - Throws: `PollenError` `.io` if the file cannot be read, `.invalidArgument` (naming the
  ///   line) if it is malformed.
  public static func load(url: URL, labelColumn: Int = -1, standardize: Bool = false) throws -> Dataset {
    try loadTable(
      url: url,
      options: .defaults {
        $0.labelColumn = labelColumn
        $0.standardize = standardize
      }
    ).dataset
  }

  /// Loads the CSV at `url` with its class names, header and id column.
  /// - Throws: `PollenError` `.io` if the file cannot be read, `.invalidArgument` (naming the
  ///   line) if it is malformed.
  public static func loadTable(url: URL, options: Options = .defaults) throws -> CSVTable {
    try parse(Gzip.readMaybeGzipped(url), options: options, source: url.lastPathComponent)
  }

  /// Parses CSV `data` (plain, not gzipped). `source` prefixes error messages.
  /// - Throws: `PollenError` `.invalidArgument` naming the line of the first problem.
  public static func parse(_ data: Data, options: Options = .defaults, source: String = "CSV") throws
    -> CSVTable
  {
    do {
      return try data.withUnsafeBytes { raw in
        var reader = CSVTableReader(
          scanner: CSVScanner(bytes: raw.bindMemory(to: UInt8.self), delimiter: options.delimiter),
          options: options)
        return try reader.read()
      }
    } catch let error as CSVLineError {
      throw PollenError(.invalidArgument, "\(source): line \(error.line): \(error.message)")
    }
  }
}

/// A loaded CSV file: the data set and what the file said about it.
public struct CSVTable: Sendable {
  /// The examples; labels are indices into ``classNames``.
  public var dataset: Dataset
  /// The label text of each class, in class order (sorted: numerically if every label is a
  /// number, else as strings).
  public var classNames: [String]
  /// The names of the feature columns, if the file had a header.
  public var featureNames: [String]?
  /// The value of the id column of each example, if ``CSVLoader/Options/idColumn`` was set.
  public var ids: [String]?
}

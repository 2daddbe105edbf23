/// The accountants, by the names the CLI and configuration files use.
public enum PrivacyAccountantKind: String, Sendable, CaseIterable {
  /// Rényi DP (``RDPAccountant``): fast, a slightly loose upper bound.
  case rdp
  /// Privacy loss distributions (``PLDAccountant``): tighter, slower, Poisson sampling or none.
  case pld

  /// A fresh accountant of this kind, with its defaults.
  public func makeAccountant() -> any PrivacyAccountant {
    switch self {
    case .rdp: RDPAccountant()
    case .pld: PLDAccountant()
    }
  }
}

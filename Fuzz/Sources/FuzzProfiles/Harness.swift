import PollenSimulation

/// One input: a client profile table as CSV (`Profiles/figure5.csv`'s format). A table that
/// parses must read back unchanged from the CSV it writes.
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  guard let profiles = try? ClientProfiles(csv: String(decoding: bytes, as: UTF8.self)) else { return }
  guard let again = try? ClientProfiles(csv: profiles.csv) else {
    fatalError("a parsed profile table does not parse from its own CSV:\n\(profiles.csv)")
  }
  if again != profiles, !profiles.csv.lowercased().contains("nan") {
    fatalError("profile table changed through its CSV:\n\(profiles.csv)\nvs\n\(again.csv)")
  }
}

import FuzzSupport

@main struct Entry {
  static func main() throws { try FuzzDriver.run(fuzz) }
}

import ArgumentParser
import Foundation
import PollenGRPC

/// `pollen keygen`: a node key pair for Flower's node authentication.
struct KeygenCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "keygen",
    abstract: "Write a node key pair (NIST P-384) for node authentication.",
    discussion: """
      Writes DIR/node_key (the private key, OpenSSH format, mode 0600) and DIR/node_key.pub (one \
      SSH public-key line), as `ssh-keygen -t ecdsa -b 384` does. Give node_key to \
      `pollen client --auth-key` (or Flower's `flower-supernode --auth-supernode-private-key`) and \
      add node_key.pub's line to the server's `--auth-keys` file (or `flwr supernode register`).
      """)

  @Option(help: "The directory to write node_key and node_key.pub into (created if missing).")
  var out: String

  @Option(help: "The comment at the end of the public-key line.")
  var comment = "pollen-node"

  @Flag(help: "Replace existing key files.")
  var force = false

  func run() throws {
    let directory = URL(fileURLWithPath: out)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let privatePath = directory.appendingPathComponent("node_key").path
    let publicPath = privatePath + ".pub"
    for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) && !force {
      throw ValidationError("\(path) exists; pass --force to replace it")
    }
    let key = NodePrivateKey.generate()
    for path in [privatePath, publicPath] { try? FileManager.default.removeItem(atPath: path) }
    // Created 0600 before anything is written, so the key is never readable by others.
    let fd = open(privatePath, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard fd >= 0 else { throw ValidationError("cannot create \(privatePath): errno \(errno)") }
    let bytes = Array(key.openSSHRepresentation(comment: comment).utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    guard written == bytes.count else { throw ValidationError("cannot write \(privatePath)") }
    try Data((key.publicKey.sshLine(comment: comment) + "\n").utf8).write(
      to: URL(fileURLWithPath: publicPath))
    print("wrote \(privatePath) (private, 0600) and \(publicPath)")
    print("fingerprint: \(key.publicKey.fingerprint)")
  }
}

import Foundation
import Testing

/// `deploy/`: the Kubernetes manifests and the Dockerfile, checked offline by
/// `Scripts/validate-deploy.py` against the Kubernetes schemas kubernetes-validate bundles (no
/// cluster or container engine runs here; README "Deployment"). The second test breaks a copy of
/// the manifests to show that the validator does fail.
@Suite struct DeployManifestTests {
  static let validator = Interop.packageRoot.appendingPathComponent("Scripts/validate-deploy.py").path
  static let manifests = Interop.packageRoot.appendingPathComponent("deploy/kubernetes")

  /// Runs the validator on `directory`; its exit status and output.
  static func validate(_ directory: URL, logIn dir: URL) async throws -> (status: Int32, output: String) {
    let run = try PeerProcess(
      name: "validate-deploy", executable: Interop.python(), arguments: [validator, directory.path],
      directory: dir)
    defer { run.kill() }
    let status = try await run.wait(timeout: .seconds(120))
    return (status, run.output())
  }

  @Test func theManifestsAndTheDockerfileValidate() async throws {
    let dir = try Interop.temporaryDirectory("deploy-valid")
    defer { try? FileManager.default.removeItem(at: dir) }
    let (status, output) = try await Self.validate(Self.manifests, logIn: dir)
    #expect(status == 0, "validate-deploy.py:\n\(output)")
    #expect(!output.contains("FAIL"), "\(output)")
    for object in [
      "server-statefulset.yaml: StatefulSet/pollen-server",
      "server-service.yaml: Service/pollen-server ",
      "server-service.yaml: Service/pollen-server-headless",
      "client-deployment.yaml: Deployment/pollen-client",
      "server-configmap.yaml: ConfigMap/pollen-server-config",
      "secret-example.yaml: Secret/pollen-server-tls",
    ] {
      #expect(output.contains("ok    \(object)"), "\(object) validated:\n\(output)")
    }
    #expect(output.contains("ok    kustomization.yaml: Kustomization"), "\(output)")
    #expect(output.contains("ok    deploy/Dockerfile: 2 stages"), "\(output)")
    #expect(output.contains("Kubernetes 1.30 schemas, strict"), "\(output)")
  }

  @Test func aBrokenManifestFailsValidationAndIsNamed() async throws {
    let statefulSet = try String(
      contentsOf: Self.manifests.appendingPathComponent("server-statefulset.yaml"), encoding: .utf8)
    // (what is replaced, by what, and what the validator must say about it)
    let breakages: [(String, String, String)] = [
      // A wrong type: a schema error.
      ("\n  replicas: 1\n", "\n  replicas: \"one\"\n", "spec.replicas: 'one' is not of type 'integer'"),
      // An unknown field under spec (a typo of `replicas`): only strict validation sees it.
      (
        "\n  replicas: 1\n", "\n  replica: 1\n",
        "spec: Additional properties are not allowed ('replica' was unexpected)"
      ),
    ]
    for (original, broken, message) in breakages {
      #expect(statefulSet.contains(original), "server-statefulset.yaml has \(original.debugDescription)")
      let dir = try Interop.temporaryDirectory("deploy-broken")
      defer { try? FileManager.default.removeItem(at: dir) }
      let copy = dir.appendingPathComponent("kubernetes")
      try FileManager.default.copyItem(at: Self.manifests, to: copy)
      let range = try #require(statefulSet.range(of: original))
      let edited =
        String(statefulSet[..<range.lowerBound]) + broken + String(statefulSet[range.upperBound...])
      try edited.write(
        to: copy.appendingPathComponent("server-statefulset.yaml"), atomically: true, encoding: .utf8)
      let (status, output) = try await Self.validate(copy, logIn: dir)
      #expect(status == 1, "validate-deploy.py exits 1 on \(broken.debugDescription):\n\(output)")
      #expect(
        output.contains("FAIL  server-statefulset.yaml: StatefulSet/pollen-server: \(message)"),
        "the problem is named:\n\(output)")
      // The objects that are still right still pass.
      #expect(output.contains("ok    client-deployment.yaml: Deployment/pollen-client"), "\(output)")
    }
  }
}

import GRPCNIOTransportHTTP2
import PollenCore

extension ServerAddress {
  /// The address as grpc-swift's resolvable target.
  var resolvableTarget: any ResolvableTarget {
    switch kind {
    case .ipv4: .ipv4(address: host, port: port)
    case .ipv6: .ipv6(address: host, port: port)
    case .dns: .dns(host: host, port: port)
    }
  }
}

extension HTTP2ClientTransport.Posix.TransportSecurity {
  /// Plaintext without `tls`; TLS trusting its roots (or the system's) with it, presenting its
  /// identity (mutual TLS) if it has one.
  static func flower(_ tls: FlowerGRPCClient.ClientTLS?) -> Self {
    guard let tls else { return .plaintext }
    let trust: (inout HTTP2ClientTransport.Posix.TransportSecurity.TLS) -> Void = { tlsConfig in
      if let roots = tls.rootCertificatesPEM {
        tlsConfig.trustRoots = .certificates([.bytes(roots, format: .pem)])
      }
    }
    guard let identity = tls.identity else { return .tls(configure: trust) }
    return .mTLS(
      certificateChain: [.bytes(identity.certificateChainPEM, format: .pem)],
      privateKey: .bytes(identity.privateKeyPEM, format: .pem), configure: trust)
  }
}

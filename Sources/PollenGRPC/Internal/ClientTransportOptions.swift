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
  /// Plaintext without `tls`; TLS trusting `rootCertificatesPEM` (or the system roots) with it.
  static func flower(tls: Bool, rootCertificatesPEM: [UInt8]?) -> Self {
    guard tls else { return .plaintext }
    return .tls { tlsConfig in
      if let roots = rootCertificatesPEM {
        tlsConfig.trustRoots = .certificates([.bytes(roots, format: .pem)])
      }
    }
  }
}

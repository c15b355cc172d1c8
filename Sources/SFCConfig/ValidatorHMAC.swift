// SRv6 HMAC (RFC 8754 s2.1.2): a chain's `hmac-key` and a port's
// `require-hmac` need the node's `hmac-keys` file; the key a chain signs
// with must be in it; a signed chain needs an SRH to carry the TLV (not
// H.Encaps.Red of a single segment); a port that requires HMAC is trusted
// (an untrusted port drops all SRv6 anyway).
import SFCCore

struct ValidatorHMAC {
    let spec: ChainFileSpec
    /// The key file's keys; nil when there is no file or it could not be used.
    let keys: [UInt32: [UInt8]]?
    let sink: DiagnosticSink

    func run() {
        let file = spec.node?.hmacKeys
        for chain in spec.chains {
            guard let id = chain.hmacKey else { continue }
            let name = chain.name?.value ?? "?"
            guard file != nil else {
                sink.error("chain '\(name)' signs with HMAC key \(id.value) but the node names no 'hmac-keys' file",
                           at: id.position)
                continue
            }
            if let keys, keys[UInt32(id.value)] == nil {
                sink.error("chain '\(name)': no key \(id.value) in the hmac-keys file", at: id.position)
            }
            if chain.reduced && chain.hops.isEmpty {
                sink.error("chain '\(name)': H.Encaps.Red of a single segment writes no SRH to carry an HMAC TLV",
                           at: id.position)
            }
        }
        for port in spec.ports {
            guard let require = port.requireHMAC, require.value else { continue }
            let name = port.name?.value ?? "?"
            if file == nil {
                sink.error("port '\(name)' requires HMAC but the node names no 'hmac-keys' file", at: require.position)
            }
            if !port.trusted {
                sink.error("port '\(name)' requires HMAC but is untrusted: SRv6 is dropped there before any HMAC; mark it trusted",
                           at: require.position)
            }
        }
    }
}

// SRv6 HMAC in the XDP program (BPF/sfc_hmac.h) beyond the fixtures' short
// texts: SHA-256 over many blocks. A require-hmac port checks SRHs of 1 to
// 125 segments, the most an SRH with the TLV can hold (Hdr Ext Len 2 x 125
// + 5 = 255): texts of 38 to 2,022 bytes, 1 to 32 blocks), each valid
// and with one bit of its HMAC flipped; a headend signs chains of up to 16
// hops (17 segments, 5 blocks), reduced or not. Every answer must be the
// reference pipeline's, byte for byte, and the reference must say what the
// packet was built to be (so a check that passes everything fails here).
import Foundation
import SFCConfig
import SFCCore
@testable import SFCXDP
import Testing

@Suite(.serialized) struct HMACTests {
    static let sr = "02:00:00:00:00:05", endSID = "fc00:1::e"

    static func bytes(_ address: String) -> [UInt8] {
        let a = IPv6Address(address)!
        return (0..<8).map { UInt8(truncatingIfNeeded: a.hi >> (56 - 8 * UInt64($0))) } + (0..<8).map { UInt8(truncatingIfNeeded: a.lo >> (56 - 8 * UInt64($0))) }
    }

    /// An SRv6 packet for the End SID of hmac.yaml on its require-hmac port:
    /// `n` segments (the DA is Segment List[n-1], the rest routed via core),
    /// an HMAC TLV under key 1001 over RFC 8754 s2.1.2.1's text, bit 0 of
    /// the HMAC flipped when `corrupt`.
    static func signedPacket(segments n: Int, key: HMACSHA256Key, corrupt: Bool) -> [UInt8] {
        let source = bytes("2001:db8:77::1")
        var list: [[UInt8]] = (0..<n - 1).map { bytes("fc00:2::\(String($0 + 1, radix: 16))") }
        list.append(bytes(endSID))
        let inner: [UInt8] = [0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 1, 0, 1, 10, 20, 0, 1,
                              0x30, 0x39, 0, 53, 0, 8, 0, 0]
        let keyID: [UInt8] = [0, 0, 0x03, 0xE9]   // 1001
        var text = source + [UInt8(n - 1), 0x08] + keyID
        for s in list { text += s }
        var mac = key.mac(text)
        if corrupt { mac[0] ^= 1 }
        var srh: [UInt8] = [4, UInt8(2 * n + 5), 4, UInt8(n - 1), UInt8(n - 1), 0x08, 0, 0]
        for s in list { srh += s }
        srh += [5, 38, 0, 0] + keyID + mac
        let payload = srh.count + inner.count
        var ip: [UInt8] = [0x60, 0, 0, 0, UInt8(payload >> 8), UInt8(payload & 0xFF), 43, 64]
        ip += source + bytes(endSID)
        let eth: [UInt8] = [0x02, 0, 0, 0, 0, 0x05, 0x02, 0, 0, 0, 0x77, 0x01, 0x86, 0xDD]
        return eth + ip + srh + inner
    }

    @Test func longSegmentListsAreCheckedAsTheReferenceChecksThem() throws {
        guard XDPTest.requireRoot() else { return }
        let config = try XDPTest.config("Tests/Fixtures/configs/hmac.yaml")
        let tables = ForwardingTables(config)
        let key = try #require(tables.hmacKeys[1001])
        let port = try #require(config.portIndex(named: "sr"))
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        for n in [1, 2, 3, 4, 5, 8, 13, 16, 17, 20, 40, 64, 100, 124, 125] {
            for corrupt in [false, true] {
                let frame = Self.signedPacket(segments: n, key: key, corrupt: corrupt)
                let ref = Differential.reference(Pipeline(tables: tables), frame, ingress: port)
                let got = Differential.xdp(dataplane, frame, ingress: port)
                #expect(ref == got, "\(n) segments, corrupt \(corrupt): reference \(ref), XDP \(got)\(Differential.firstDifference(ref.output, got.output))")
                // The packets are what they were built to be: a flipped bit is
                // invalid; a valid HMAC passes (then End forwards, or with one
                // segment finds Segments Left 0 and drops for that).
                if corrupt {
                    #expect(ref.reason == "srv6-hmac-invalid", "\(n) segments: \(ref)")
                } else if n > 1 {
                    #expect(ref.verdict == "forward", "\(n) segments: \(ref)")
                } else {
                    #expect(ref.reason != "srv6-hmac-invalid" && ref.reason != "srv6-hmac-missing", "\(ref)")
                }
            }
        }
    }

    /// A chain file with `hops` sr-aware functions on one signed chain
    /// (plain and reduced), in a directory of its own with its key file.
    static func longChainConfig(hops: Int, in dir: String) throws -> CompiledConfig {
        var yaml = """
        node: {name: hmac-long, srv6-source: "2001:db8:1::1", locator: "fc00:1::/48", hmac-keys: keys.yaml}
        ports:
          - {name: clients, mac: "02:00:00:00:00:01", mtu: 1500}
          - {name: core, mac: "02:00:00:00:00:06", mtu: 9000, trusted: true}
        routes:
          - {prefix: "fc00:2::/48", port: core, mac: "02:00:00:00:30:01"}
        sids:
          - {sid: "fc00:1::d4", behavior: End.DX4, port: clients, mac: "02:00:00:00:20:01"}
        functions:

        """
        for h in 1...hops {
            yaml += "  - {name: f\(h), kind: sr-aware, instances: [{name: f\(h)-1, sid: \"fc00:2::\(String(h, radix: 16))\"}]}\n"
        }
        let list = (1...hops).map { "f\($0)" }.joined(separator: ", ")
        yaml += """
        chains:
          - {name: long, spi: 1, encapsulation: srv6, hops: [\(list)], end: {sid: "fc00:1::d4"}, hmac-key: 1001}
          - {name: long-red, spi: 2, encapsulation: srv6, hops: [\(list)], reduced: true, end: {sid: "fc00:1::d4"}, hmac-key: 1001}
        rules:
          - {name: tcp, chain: long, ingress: clients, protocol: tcp}
          - {name: udp, chain: long-red, ingress: clients, protocol: udp}

        """
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/keys.yaml", contents: Data("1001: \"a secret for long chains\"\n".utf8),
                                       attributes: [.posixPermissions: 0o600])
        try yaml.write(toFile: dir + "/long.yaml", atomically: true, encoding: .utf8)
        let (config, diagnostics) = ChainFile.load(path: dir + "/long.yaml")
        guard let config else { throw XDPError(.run, diagnostics.map(\.rendered).joined(separator: "\n")) }
        return config
    }

    @Test func theHeadendSignsLongChainsAsTheReferenceDoes() throws {
        guard XDPTest.requireRoot() else { return }
        let dir = NSTemporaryDirectory() + "sfc-hmac-long-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for hops in [1, 2, 3, 7, 12, 16] {
            let config = try Self.longChainConfig(hops: hops, in: dir)
            let tables = ForwardingTables(config)
            let clients = try #require(config.portIndex(named: "clients"))
            let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
            for proto: UInt8 in [6, 17] {
                let l4: [UInt8] = proto == 6 ? [0x30, 0x39, 0, 80] + [UInt8](repeating: 0, count: 8) + [0x50, 0x02, 0xFF, 0xFF, 0, 0, 0, 0]
                                             : [0x30, 0x39, 0, 53, 0, 8, 0, 0]
                let total = 20 + l4.count
                let ip: [UInt8] = [0x45, 0, 0, UInt8(total), 0, 0, 0, 0, 64, proto, 0, 0, 10, 1, 0, 1, 10, 20, 0, 1] + l4
                let frame: [UInt8] = [0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0x11, 0x01, 0x08, 0x00] + ip
                let ref = Differential.reference(Pipeline(tables: tables), frame, ingress: clients)
                let got = Differential.xdp(dataplane, frame, ingress: clients)
                #expect(ref.verdict == "forward", "\(hops) hops, protocol \(proto): \(ref)")
                #expect(ref == got, "\(hops) hops, protocol \(proto): reference \(ref), XDP \(got)\(Differential.firstDifference(ref.output, got.output))")
                // The SRH carries the TLV: Hdr Ext Len 2 x entries + 5, flag 0x08.
                let entries = proto == 6 ? hops + 1 : hops
                if ref.output.count > 14 + 48 {
                    #expect(ref.output[14 + 41] == UInt8(2 * entries + 5) && ref.output[14 + 45] == 0x08, "\(hops) hops")
                }
            }
        }
    }
}

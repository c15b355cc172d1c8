// The NSH proxy's per-flow state on XDP (sfc_nsh_proxy_state) against the
// reference pipeline: NSH another classifier pushed (its own context and
// TTL) crosses an NSH-unaware hop and comes back with that header, SI - 1,
// for interleaved flows; a return with no state gets the chain's configured
// header; a reload keeps the state of attachments that survive it.
import Foundation
import SFCConfig
import SFCCore
@testable import SFCFixtures
@testable import SFCTrace
import SFCXDP
import Testing

@Suite(.serialized) struct NSHProxyStateXDPTests {
    // Chains/hospital-edge.yaml: chain dicom (SPI 100) = dicom-firewall
    // (nsh-unaware, VLANs 101/102 on services), then ids (VLAN 110), context 0x0a.
    static let services = 2
    static let spi: UInt32 = 100

    static func inner(sport: UInt16, source: String = "10.1.0.5") -> [UInt8] {
        Array(PacketBuilder.frame(destination: MACAddress(2, 0, 0, 0, 0, 1),
                                  endpoints: .v4(IPv4Address(source)!, IPv4Address("10.20.0.9")!),
                                  transport: .tcp(sourcePort: sport, destinationPort: 104), payload: Array("dicom".utf8))[14...])
    }

    static func foreignNSH(_ config: CompiledConfig, _ inner: [UInt8], ttl: UInt8, c1: UInt32) -> [UInt8] {
        var nsh = [UInt8](repeating: 0, count: 24)
        nsh.withUnsafeMutableBytes {
            NSHHeader.writeBase($0.baseAddress!, ttl: ttl, lengthWords: 6, mdType: 1, nextProtocol: NSHNextProtocol.ipv4, spi: spi, si: 255)
        }
        nsh[8] = UInt8(c1 >> 24); nsh[9] = UInt8(c1 >> 16 & 0xFF); nsh[10] = UInt8(c1 >> 8 & 0xFF); nsh[11] = UInt8(c1 & 0xFF)
        return PacketBuilder.ethernet(destination: config.ports[services].mac, source: MACAddress(2, 0, 0, 0, 0x0e, 1),
                                      etherType: EtherType.nsh) + nsh + inner
    }

    /// Runs one frame through both; they must agree. Returns XDP's output.
    static func both(_ pipeline: Pipeline, _ dataplane: XDPDataplane, _ frame: [UInt8], ingress: Int,
                     _ what: String) throws -> [UInt8] {
        let ref = DifferentialTests.reference(pipeline, CorpusPacket(ingress: ingress, frame: frame, origin: what))
        let got = DifferentialTests.xdp(dataplane, CorpusPacket(ingress: ingress, frame: frame, origin: what))
        #expect(ref == got, "\(what): reference \(ref), XDP \(got)\(Differential.firstDifference(ref.output, got.output))")
        #expect(got.verdict == "forward", "\(what): \(got)")
        return got.output
    }

    /// The function's return: the bare packet back on the VLAN it went out on.
    static func returned(_ config: CompiledConfig, toFunction: [UInt8], inner: [UInt8]) -> [UInt8] {
        PacketBuilder.ethernet(destination: config.ports[services].mac, source: toFunction.mac(0),
                               vlan: UInt16(toFunction[14]) << 8 & 0xF00 | UInt16(toFunction[15]), etherType: EtherType.ipv4) + inner
    }

    /// NSH fields of a frame towards ids-1 (VLAN 110): TTL, SI, C1.
    static func fields(_ frame: [UInt8]) -> (ttl: Int, si: UInt8, c1: UInt32) {
        guard frame.count >= 18 + 24, frame[16] == 0x89, frame[17] == 0x4F else { return (-1, 0, 0) }
        let w0 = Int(frame[18]) << 8 | Int(frame[19])
        let c1 = UInt32(frame[26]) << 24 | UInt32(frame[27]) << 16 | UInt32(frame[28]) << 8 | UInt32(frame[29])
        return (w0 >> 6 & 0x3F, frame[25], c1)
    }

    @Test func foreignHeadersComeBackFromTheUnawareHopOnXDPAsOnTheReference() throws {
        guard XDPTest.requireRoot() else { return }
        let config = try XDPTest.config("Chains/hospital-edge.yaml")
        #expect(config.ports[Self.services].name == "services")
        let pipeline = Pipeline(tables: ForwardingTables(config))
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))

        // Eight flows out (TTL 20 + n, C1 0x0a0b0c00 + n), then back in reverse order.
        let flows = (0..<8).map { n in (n, Self.inner(sport: UInt16(41000 + n))) }
        var toFunction: [[UInt8]] = []
        for (n, ip) in flows {
            let out = try Self.both(pipeline, dataplane, Self.foreignNSH(config, ip, ttl: UInt8(20 + n), c1: 0x0a0b_0c00 + UInt32(n)),
                                    ingress: Self.services, "flow \(n) out")
            #expect(Array(out.dropFirst(18)) == ip, "flow \(n): the function gets the bare packet")
            toFunction.append(out)
        }
        for (n, ip) in flows.reversed() {
            let back = try Self.both(pipeline, dataplane, Self.returned(config, toFunction: toFunction[n], inner: ip),
                                     ingress: Self.services, "flow \(n) back")
            let f = Self.fields(back)
            // Left with TTL 19 + n; the SFF's decrement after the proxy: 18 + n.
            #expect(f.ttl == 18 + n && f.si == 254 && f.c1 == 0x0a0b_0c00 + UInt32(n), "flow \(n): \(f)")
        }

        // The function changed the 5-tuple: no state, the configured header.
        let natted = Self.inner(sport: 41000, source: "192.0.2.77")
        var back = try Self.both(pipeline, dataplane, Self.returned(config, toFunction: toFunction[0], inner: natted),
                                 ingress: Self.services, "NAT-ed return")
        var f = Self.fields(back)
        #expect(f.ttl == 61 && f.si == 254 && f.c1 == 0x0a, "NAT-ed return: \(f)")
        // Counted alike: the NAT-ed return rebuilt (and any of the eight
        // flows that shared a slot, evicted then rebuilt).
        let xdpCounters = try dataplane.counters(), refCounters = pipeline.counters
        #expect(xdpCounters == refCounters, "counters differ:\n\(Differential.counterDifference(refCounters, xdpCounters))")
        #expect(refCounters.events[Int(NodeEvent.nshProxyRebuilt.rawValue)] >= 1)

        // A reload keeps the state of attachments that still exist (here:
        // all of them): the return still gets its flow's header, as on the
        // reference pipeline that never reloaded. ReloadStateTests covers
        // an attachment that a reload removes.
        try dataplane.update(config)
        back = try Self.both(pipeline, dataplane, Self.returned(config, toFunction: toFunction[3], inner: flows[3].1),
                             ingress: Self.services, "return after a reload")
        f = Self.fields(back)
        #expect(f.ttl == 18 + 3 && f.si == 254 && f.c1 == 0x0a0b_0c03, "after a reload: \(f)")
    }
}

extension Array where Element == UInt8 {
    fileprivate func mac(_ o: Int) -> MACAddress { MACAddress(self[o], self[o + 1], self[o + 2], self[o + 3], self[o + 4], self[o + 5]) }
}

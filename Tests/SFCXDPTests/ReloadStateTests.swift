// Proxy state across reloads on XDP: the NSH proxy's per-flow headers (RFC
// 8300 s4.6, an NSH-unaware function behind the SFF) and the End.AD cache
// (draft-ietf-spring-sr-service-programming s6.2) of an attachment that
// survives a reload are kept, even though its block moves; those of an
// attachment the reload removes are gone (a later configuration that brings
// it back starts it empty), and a new attachment starts empty.
// Tests/Fixtures/reload: fw-keep (VLAN 400) and ad-keep (VLAN 500) are in
// both files, fw-gone (401) and ad-gone (501) only in A, ad-new (502) only in B.
import Foundation
import SFCConfig
import SFCCore
import SFCXDP
import Testing

@Suite(.serialized) struct ReloadStateTests {
    static let users = 0, services = 1, internet = 2
    static let foreignC1: UInt32 = 0x0a0b_0c0d

    static func inner(sport: UInt16, dport: UInt16, udp: Bool = false) -> [UInt8] {
        let transport: TransportSpec = udp ? .udp(sourcePort: sport, destinationPort: dport) : .tcp(sourcePort: sport, destinationPort: dport)
        return Array(PacketBuilder.frame(destination: MACAddress(2, 0, 0, 0, 0, 1),
                                         endpoints: .v4(IPv4Address("10.1.0.5")!, IPv4Address("198.51.100.7")!),
                                         transport: transport)[14...])
    }

    /// NSH another classifier pushed (TTL 20, C1 foreignC1), arriving on services.
    static func foreignNSH(_ config: CompiledConfig, spi: UInt32, _ inner: [UInt8]) -> [UInt8] {
        var nsh = [UInt8](repeating: 0, count: 24)
        nsh.withUnsafeMutableBytes {
            NSHHeader.writeBase($0.baseAddress!, ttl: 20, lengthWords: 6, mdType: 1, nextProtocol: NSHNextProtocol.ipv4, spi: spi, si: 255)
        }
        for k in 0..<4 { nsh[8 + k] = UInt8(foreignC1 >> (24 - 8 * UInt32(k)) & 0xFF) }
        return PacketBuilder.ethernet(destination: config.ports[services].mac, source: MACAddress(2, 0, 0, 0, 0x0e, 1),
                                      etherType: EtherType.nsh) + nsh + inner
    }

    /// What the function hands back: the bare packet on its VLAN.
    static func returned(_ config: CompiledConfig, vlan: UInt16, _ inner: [UInt8]) -> [UInt8] {
        PacketBuilder.ethernet(destination: config.ports[services].mac, source: MACAddress(2, 0, 0, 0, 0x0f, 1),
                               vlan: vlan, etherType: EtherType.ipv4) + inner
    }

    /// C1 of an NSH frame (untagged, MD type 1), nil when it is not one.
    static func c1(_ frame: [UInt8]) -> UInt32? {
        guard frame.count >= 14 + 24, frame[12] == 0x89, frame[13] == 0x4F else { return nil }
        return frame[22..<26].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func vlan(_ frame: [UInt8]) -> UInt16? {
        guard frame.count >= 18, frame[12] == 0x81, frame[13] == 0x00 else { return nil }
        return UInt16(frame[14] & 0x0F) << 8 | UInt16(frame[15])
    }

    @Test func stateOfSurvivingAttachmentsIsKeptAndOfRemovedOnesCleared() throws {
        guard XDPTest.requireRoot() else { return }
        let a = try XDPTest.config("Tests/Fixtures/reload/xdp-a.yaml")
        let b = try XDPTest.config("Tests/Fixtures/reload/xdp-b.yaml")
        let dataplane = try XDPDataplane(config: a, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        let web = Self.inner(sport: 41000, dport: 80), mail = Self.inner(sport: 41001, dport: 25)
        let video = Self.inner(sport: 41002, dport: 5004, udp: true)

        // A: state learned for all four attachments.
        var r = try dataplane.run(Self.foreignNSH(a, spi: 10, web), ingress: Self.services)
        #expect(r.outcome(ingress: Self.services) == .forward(port: Self.services) && Self.vlan(r.output) == 400, "web to fw-keep: \(r)")
        r = try dataplane.run(Self.foreignNSH(a, spi: 30, mail), ingress: Self.services)
        #expect(Self.vlan(r.output) == 401, "mail to fw-gone: \(r)")
        let classified = PacketBuilder.ethernet(destination: a.ports[Self.users].mac, source: MACAddress(2, 0, 0, 0, 0x0c, 1),
                                                etherType: EtherType.ipv4) + video
        r = try dataplane.run(classified, ingress: Self.users)
        #expect(Self.vlan(r.output) == 501, "video to ad-gone (End.AD learns): \(r)")
        r = try dataplane.run(Self.returned(a, vlan: 501, video), ingress: Self.services)
        #expect(Self.vlan(r.output) == 500, "video back from ad-gone, to ad-keep (End.AD learns): \(r)")
        r = try dataplane.run(Self.returned(a, vlan: 400, web), ingress: Self.services)
        #expect(Self.c1(r.output) == Self.foreignC1, "A: fw-keep's return gets the flow's header: \(r)")

        // B: fw-keep's block moved from the second to the first, ad-keep's cache too.
        try dataplane.update(b)
        r = try dataplane.run(Self.returned(b, vlan: 400, web), ingress: Self.services)
        #expect(Self.c1(r.output) == Self.foreignC1, "B: fw-keep's state kept: \(r)")
        r = try dataplane.run(Self.returned(b, vlan: 500, video), ingress: Self.services)
        #expect(r.outcome(ingress: Self.services) == .forward(port: Self.internet), "B: ad-keep's cache kept, End.DX4 next: \(r)")
        #expect(Array(r.output.dropFirst(14)) == video, "B: the inner packet delivered")
        r = try dataplane.run(Self.returned(b, vlan: 502, video), ingress: Self.services)
        #expect(r.outcome(ingress: Self.services) == .drop(.srv6ProxyNoState), "B: ad-new starts empty: \(r)")

        // A again: the slot A ran in still holds fw-gone's and ad-gone's
        // old state at their positions; B removed them, so they are empty.
        try dataplane.update(a)
        r = try dataplane.run(Self.returned(a, vlan: 401, mail), ingress: Self.services)
        #expect(r.outcome(ingress: Self.services) == .forward(port: Self.services), "A again: mail back from fw-gone: \(r)")
        #expect(Self.c1(r.output) != nil && Self.c1(r.output) != Self.foreignC1, "A again: fw-gone's state cleared (configured header): \(r)")
        r = try dataplane.run(Self.returned(a, vlan: 501, video), ingress: Self.services)
        #expect(r.outcome(ingress: Self.services) == .drop(.srv6ProxyNoState), "A again: ad-gone's cache cleared: \(r)")
        r = try dataplane.run(Self.returned(a, vlan: 400, web), ingress: Self.services)
        #expect(Self.c1(r.output) == Self.foreignC1, "A again: fw-keep's state kept over two reloads: \(r)")
        r = try dataplane.run(Self.returned(a, vlan: 500, video), ingress: Self.services)
        #expect(r.outcome(ingress: Self.services) == .forward(port: Self.internet), "A again: ad-keep's cache kept: \(r)")
    }
}

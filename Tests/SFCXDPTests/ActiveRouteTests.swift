// Routes the XDP tables resolve when they are compiled (the route each one
// carries is checked byte for byte against the reference by
// DifferentialTests):
// - sfc_chain.active_via (TableImage.chain): the route of the DA H.Encaps
//   writes, so the headend skips the output loop's two lookups. It must be
//   left empty (SFC_NONE) when that DA is a local SID: the output loop runs
//   the SID's behaviour there (Pipeline.ipv6Output), whatever route also
//   covers the address.
// - SFC_SID_ROUTE_ONLY entries of sfc_sids (TableImage.routedSegments): the
//   addresses the chains name with their routes, so the output loop's SID
//   lookup routes them; dispatch must not take them for local SIDs.
import Foundation
import SFCCore

@testable import SFCXDP
import Testing

@Suite struct ActiveRouteTests {
    @Test func aLocalSIDAsTheFirstSegmentIsLeftToTheOutputLoopEvenUnderARoute() throws {
        var local = 0, routed = 0
        for relative in DifferentialTests.configurations {
            var config = try XDPTest.config(relative)
            // A default route covers every address, this node's own SIDs included.
            config.routes6.append(Route6(prefix: IPv6Prefix(address: IPv6Address(hi: 0, lo: 0), length: 0),
                                         via: Adjacency(port: config.ports.count - 1, mac: MACAddress(2, 0, 0, 0x2d, 0, 9))))
            let tables = ForwardingTables(config)
            for c in tables.chains.indices where !tables.srv6SegmentLists[c].isEmpty {
                let hops = tables.chains[c].config.hops
                let active = hops.isEmpty ? tables.chains[c].endSegment
                    : tables.functions[hops[0]].config.instances[0].sid ?? IPv6Address(hi: 0, lo: 0)
                let via = TableImage.chain(c, tables).active_via
                let name = relative + ": " + tables.chains[c].config.name
                if tables.isLocalSID(active) {
                    local += 1
                    #expect(via.port == CBytes.none, "chain \(name): its first segment \(active) is a local SID, yet active_via is port \(via.port)")
                } else {
                    routed += 1
                    let route = try #require(tables.routes6.lookup(active), "chain \(name): no route for \(active)")
                    #expect(via.port == UInt32(route.port) && via.vlan == route.vlan, "chain \(name): active_via port \(via.port), route \(route)")
                }
            }
        }
        #expect(local > 0 && routed > 0, "the chain files have \(local) chains starting at a local SID and \(routed) starting elsewhere")
    }

    @Test func routedSegmentsAreNoLocalSIDsAndCarryTheirRoute() throws {
        let config = try XDPTest.config("Chains/srv6-mixed.yaml")
        let tables = ForwardingTables(config)
        let routed = TableImage.routedSegments(tables)
        #expect(!routed.isEmpty, "srv6-mixed.yaml names no routed segment")
        for (address, via) in routed {
            #expect(!tables.isLocalSID(address) && tables.routes6.lookup(address) == via, "\(address) -> \(via)")
        }
    }

    /// Transit traffic to such an address (a trusted port, not classified):
    /// hop limit - 1 and the route, as in the reference, not a local SID.
    @Test func transitToARoutedSegmentIsRoutedNotTakenForALocalSID() throws {
        guard XDPTest.requireRoot() else { return }
        let config = try XDPTest.config("Chains/srv6-mixed.yaml")
        let tables = ForwardingTables(config)
        let (address, _) = try #require(TableImage.routedSegments(tables).first)
        let core = try #require(config.ports.firstIndex { $0.name == "core" && $0.trusted })
        var frame: [UInt8] = []
        frame += (0..<6).map { config.ports[core].mac.octet($0) }
        frame += [0x02, 0, 0, 0x2d, 0, 1, 0x86, 0xDD]
        frame += [0x60, 0, 0, 0, 0, 8, 59, 64]                        // IPv6, 8 bytes, no next header, hop limit 64
        frame += [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        frame += (0..<16).map { address.octet($0) }
        frame += [UInt8](repeating: 0xAB, count: 8)
        let ref = Differential.reference(Pipeline(tables: tables), frame, ingress: core)
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        let got = Differential.xdp(dataplane, frame, ingress: core)
        #expect(ref.verdict == "forward", "reference: \(ref)")
        #expect(ref == got, "reference \(ref), XDP \(got)\(Differential.firstDifference(ref.output, got.output))")
    }
}

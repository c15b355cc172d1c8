// sfc_chain.active_via (TableImage.chain): the route of the DA H.Encaps
// writes, resolved when the tables are compiled so the XDP headend skips the
// output loop's two lookups. It must be left empty (SFC_NONE) when that DA is
// a local SID: the output loop runs the SID's behaviour there (Pipeline.
// ipv6Output), whatever route also covers the address. The route it carries
// is checked byte for byte against the reference by DifferentialTests.
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
}

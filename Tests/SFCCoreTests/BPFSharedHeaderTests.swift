// The flow hash is written twice (BPF C and Swift, which cannot share code):
// the two agree on random flows. The shared lists are in SharedSpecTests.
import CSFCShared
import Testing
@testable import SFCCore

@Suite struct BPFSharedHeaderTests {
    @Test func cFlowHashEqualsTheSwiftOne() {
        var rng = ClassifierTests.Rng(state: 77)
        for i in 0..<4000 {
            let v6 = i % 2 == 1
            let sport = UInt16(truncatingIfNeeded: rng.next()), dport = UInt16(truncatingIfNeeded: rng.next())
            // Equal addresses now and then, to reach the port tie-break.
            let same = rng.below(8) == 0
            let transport: TransportSpec = rng.below(3) == 0 ? .udp(sourcePort: sport, destinationPort: dport)
                                                               : .tcp(sourcePort: sport, destinationPort: dport)
            let proto: UInt8 = { if case .udp = transport { return 17 } else { return 6 } }()
            let ip: [UInt8]
            var a: [UInt32], b: [UInt32]
            if v6 {
                let x = IPv6Address(hi: rng.next(), lo: rng.next())
                let y = same ? x : IPv6Address(hi: rng.next(), lo: rng.next())
                ip = PacketBuilder.ipPacket(endpoints: .v6(x, y), transport: transport, payload: [])
                a = [UInt32(x.hi >> 32), UInt32(truncatingIfNeeded: x.hi), UInt32(x.lo >> 32), UInt32(truncatingIfNeeded: x.lo)]
                b = [UInt32(y.hi >> 32), UInt32(truncatingIfNeeded: y.hi), UInt32(y.lo >> 32), UInt32(truncatingIfNeeded: y.lo)]
            } else {
                let x = IPv4Address(raw: UInt32(truncatingIfNeeded: rng.next()))
                let y = same ? x : IPv4Address(raw: UInt32(truncatingIfNeeded: rng.next()))
                ip = PacketBuilder.ipPacket(endpoints: .v4(x, y), transport: transport, payload: [])
                a = [x.raw]; b = [y.raw]
            }
            // Every fourth case with a keyed seed (a node's flow-hash-key).
            let seed = i % 4 == 3 ? UInt32(truncatingIfNeeded: rng.next()) : FlowHash.seed
            let swift = ip.withUnsafeBytes { FlowHash.ofIPPacket($0.baseAddress!, count: ip.count, seed: seed) }
            let c = sfc_shared_flow_hash(&a, &b, sport, dport, proto, v6 ? 1 : 0, seed)
            #expect(swift == c, "case \(i)")
        }
    }
}

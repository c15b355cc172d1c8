// A node's flow-hash key on XDP: the loader writes the seed into the
// program's .rodata (sfc_flow_seed) before it loads, every hash the program
// computes then agrees with the reference pipeline given the same seed (and
// differs from the unkeyed choice), and a reload cannot change it.
import Foundation
import SFCConfig
import SFCCore
import SFCFixtures
import SFCXDP
import Testing

@Suite(.serialized) struct FlowHashKeyTests {
    static let seed = FlowHash.seed(key: Array("flow hash key of the XDP test".utf8))

    @Test func theKeyedProgramAgreesWithTheKeyedReferenceAndRefusesANewKey() throws {
        guard XDPTest.requireRoot() else { return }
        let object = try XDPTest.objectPath()
        // Several instances per function, NSH and SRv6, NSH proxies.
        for relative in ["Chains/multi-instance.yaml", "Chains/srv6-mixed.yaml", "Chains/hospital-edge.yaml"] {
            var config = try XDPTest.config(relative)
            config.flowHashSeed = Self.seed
            let tables = ForwardingTables(config)
            let valid = DifferentialCorpus.valid(tables: tables, flowsPerRule: 64, seed: 0xF10E)
            let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: object))
            #expect(dataplane.programFlowSeed == Self.seed, "\(relative): .rodata holds \(String(describing: dataplane.programFlowSeed))")

            let keyed = Pipeline(tables: tables), plain = Pipeline(tables: ForwardingTables(try XDPTest.config(relative)))
            var mismatches: [String] = [], moved = 0
            for packet in valid {
                let ref = DifferentialTests.reference(keyed, packet), got = DifferentialTests.xdp(dataplane, packet)
                if ref != got && mismatches.count < 10 { mismatches.append("\(packet.origin): reference \(ref), XDP \(got)") }
                if DifferentialTests.reference(plain, packet) != ref { moved += 1 }
            }
            #expect(mismatches.isEmpty, "\(relative): \(mismatches.joined(separator: "\n"))")
            let xdpCounters = try dataplane.counters(), refCounters = keyed.counters
            #expect(xdpCounters == refCounters, "\(relative): counters differ:\n\(Differential.counterDifference(refCounters, xdpCounters))")
            // The key reaches what the packets carry (instance, VXLAN-GPE port, flow label).
            #expect(moved > 0, "\(relative): no packet of \(valid.count) came out differently with the key")

            // The seed is fixed for the program's life: a reload with another is refused, the old one forwards.
            var other = config
            other.flowHashSeed = FlowHash.seed
            #expect(throws: XDPError.self) { try dataplane.update(other) }
            try dataplane.update(config)
            #expect(dataplane.programFlowSeed == Self.seed)
        }
    }
}

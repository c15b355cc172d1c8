// The live trace on XDP, under BPF_PROG_RUN: an armed filter follows at
// most `count` matching packets; each record holds the arriving frame, the
// verdict, drop reason, egress port, chain/function/instance and the leaving
// frame exactly as the run returned them; a full ring drops records, never
// packets; and the BPF filter (sfc_trace_match) agrees with SFCCore's
// TraceFilter.matches on every packet of the differential corpus.
import CLibBPF
import Foundation
import SFCConfig
import SFCCore
@testable import SFCFixtures
import SFCXDP
import Testing

@Suite(.serialized) struct TraceTests {
    static let users = 0, services = 1

    static func frame(_ config: CompiledConfig, udp: Bool = false, sport: UInt16, dport: UInt16, payload: Int = 16) -> [UInt8] {
        let transport: TransportSpec = udp ? .udp(sourcePort: sport, destinationPort: dport) : .tcp(sourcePort: sport, destinationPort: dport)
        return PacketBuilder.frame(destination: config.ports[users].mac,
                                   endpoints: .v4(IPv4Address("10.1.0.5")!, IPv4Address("198.51.100.7")!),
                                   transport: transport, payload: [UInt8](repeating: 0x5A, count: payload))
    }

    static func dataplane(_ config: CompiledConfig) throws -> XDPDataplane {
        try XDPDataplane(config: config, generation: 7, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
    }

    @Test func armedTraceRecordsAtMostCountMatchingPacketsAsTheyWere() throws {
        guard XDPTest.requireRoot() else { return }
        let config = try XDPTest.config("Tests/Fixtures/reload/xdp-a.yaml")
        let dataplane = try Self.dataplane(config)
        let filter = try TraceFilter.parse("proto=tcp,dport=80,ingress=users", ports: config.ports.map(\.name))
        try dataplane.armTrace(filter: filter, count: 3)

        // Five matching packets (one longer than a record keeps), three that do not match.
        var runs: [(frame: [UInt8], result: XDPRunResult)] = []
        for n in 0..<5 {
            let f = Self.frame(config, sport: UInt16(42000 + n), dport: 80, payload: n == 1 ? 600 : 16)
            runs.append((f, try dataplane.run(f, ingress: Self.users)))
            _ = try dataplane.run(Self.frame(config, udp: true, sport: 42100, dport: 5004), ingress: Self.users)
            if n < 2 { _ = try dataplane.run(Self.frame(config, sport: 42200, dport: 8080), ingress: Self.users) }
        }
        let records = dataplane.drainTrace()
        #expect(records.count == 3, "count 3: \(records.count) records")
        let web = try #require(config.chains.firstIndex { $0.name == "web" })
        let fwKeep = try #require(config.functions.firstIndex { $0.name == "fw-keep" })
        for (i, record) in records.enumerated() {
            let (frame, result) = runs[i]
            #expect(record.sequence == UInt64(i))
            #expect(record.generation == 7)
            #expect(record.ingress == Self.users)
            #expect(record.ingressLength == frame.count)
            #expect(record.ingressFrame == Array(frame.prefix(TraceRecord.frameBytes)), "record \(i): the arriving bytes")
            #expect(record.verdict == .forward && record.dropReason == nil, "record \(i): \(record.verdict)")
            #expect(record.egress == result.egressPort && record.egress == Self.services)
            #expect(record.egressLength == result.output.count)
            #expect(record.egressFrame == Array(result.output.prefix(TraceRecord.frameBytes)), "record \(i): the leaving bytes")
            #expect(record.chain == web && record.function == fwKeep && record.instance == 0,
                    "record \(i): chain \(String(describing: record.chain)) function \(String(describing: record.function))")
        }
        #expect(records[1].ingressFrame.count == TraceRecord.frameBytes && records[1].ingressLength > TraceRecord.frameBytes)
        #expect(dataplane.drainTrace().isEmpty, "the count is used up")

        // A dropped packet: its reason, no egress, no leaving frame.
        try dataplane.armTrace(filter: try TraceFilter.parse("dport=9", ports: []), count: 5)
        let unclassified = Self.frame(config, udp: true, sport: 1, dport: 9)
        let r = try dataplane.run(unclassified, ingress: Self.users)
        #expect(r.dropReason == .unclassified)
        let dropped = dataplane.drainTrace()
        #expect(dropped.count == 1)
        #expect(dropped.first?.verdict == .drop && dropped.first?.dropReason == .unclassified && dropped.first?.egress == nil)
        #expect(dropped.first?.egressFrame == [] && dropped.first?.ingressFrame == unclassified)

        // Disarmed: nothing more is recorded.
        try dataplane.disarmTrace()
        _ = try dataplane.run(unclassified, ingress: Self.users)
        #expect(dataplane.drainTrace().isEmpty)
        #expect(dataplane.traceRecordsDropped == 0)
    }

    @Test func aFullRingDropsRecordsNeverPackets() throws {
        guard XDPTest.requireRoot() else { return }
        let config = try XDPTest.config("Tests/Fixtures/reload/xdp-a.yaml")
        let dataplane = try Self.dataplane(config)
        let packets = 3_000  // more events than the 1 MiB ring holds
        try dataplane.armTrace(filter: TraceFilter(), count: packets)
        for n in 0..<packets {
            let r = try dataplane.run(Self.frame(config, sport: UInt16(1000 + n % 5000), dport: 80), ingress: Self.users)
            #expect(r.outcome(ingress: Self.users) == .forward(port: Self.services), "packet \(n): \(r)")
        }
        let drained = dataplane.drainTrace().count
        let dropped = dataplane.traceRecordsDropped
        #expect(dropped > 0, "the ring must have filled")
        #expect(UInt64(drained) + dropped == UInt64(packets), "\(drained) drained + \(dropped) dropped")
        #expect(try dataplane.counters().txPackets[Self.services] == UInt64(packets))
    }

    @Test func recordsNameTheGenerationThatHandledThePacket() throws {
        guard XDPTest.requireRoot() else { return }
        let a = try XDPTest.config("Tests/Fixtures/reload/xdp-a.yaml")
        let b = try XDPTest.config("Tests/Fixtures/reload/xdp-b.yaml")
        let dataplane = try Self.dataplane(a)
        try dataplane.armTrace(filter: try TraceFilter.parse("dport=80", ports: []), count: 10)
        _ = try dataplane.run(Self.frame(a, sport: 5, dport: 80), ingress: Self.users)
        try dataplane.update(b, generation: 8)
        _ = try dataplane.run(Self.frame(b, sport: 5, dport: 80), ingress: Self.users)
        let records = dataplane.drainTrace()
        // Drained after the reload: the first came from the slot it retired.
        #expect(records.map(\.generation) == [7, 8])
        let web = [a, b].map { c in c.chains.firstIndex { $0.name == "web" } }
        #expect(records.map(\.chain) == web, "web is chain \(web) in A and B")
        #expect(records.map(\.sequence) == [0, 1])
    }

    /// Filters over every key, some from the configuration's own values.
    static func filters(_ config: CompiledConfig) -> [String] {
        var out = ["", "proto=tcp", "proto=udp", "dport=80", "proto=tcp,sport=1024", "src=10.0.0.0/8",
                   "dst=0.0.0.0/1", "src=::/1", "dst=2001:db8::/16", "proto=icmpv6", "proto=icmp"]
        for (p, port) in config.ports.enumerated() where p < 2 { out.append("ingress=\(port.name)") }
        for chain in config.chains.prefix(2) where chain.encapsulation == .nsh {
            out.append("spi=\(chain.spi)")
            out.append("spi=\(chain.spi),si=254")
        }
        out.append("si=255")
        for sid in config.sids.prefix(2) { out.append("da=\(sid.sid)") }
        for rule in config.rules.prefix(4) {
            if rule.family == .ipv4 {
                if rule.source4.length > 0 { out.append("src=\(rule.source4)") }
                if rule.destination4.length > 0 { out.append("dst=\(rule.destination4)") }
            } else {
                if rule.source6.length > 0 { out.append("src=\(rule.source6)") }
                if rule.destination6.length > 0 { out.append("dst=\(rule.destination6)") }
            }
            if rule.destinationPorts.count == 1 {
                out.append("dport=\(rule.destinationPorts.lowerBound),ingress=\(config.ports[rule.ingress ?? 0].name)")
            }
        }
        return out
    }

    @Test func theBPFFilterAgreesWithTraceFilterOnTheDifferentialCorpus() throws {
        guard XDPTest.requireRoot() else { return }
        var checked = 0, discriminating = 0
        var mismatches: [String] = []
        for (n, relative) in ["Tests/Fixtures/configs/reference.yaml", "Chains/srv6-mixed.yaml"].enumerated() {
            let config = try XDPTest.config(relative)
            let tables = ForwardingTables(config)
            let valid = DifferentialCorpus.valid(tables: tables, flowsPerRule: 8, seed: 0x7ACE + UInt64(n))
            let mutated = DifferentialCorpus.mutations(of: valid, count: 600, ports: config.ports.count, seed: 0x7AC0 + UInt64(n))
            let corpus = (valid + mutated).filter { $0.frame.count >= 14 }  // BPF_PROG_RUN takes no runts
            let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
            for spec in Self.filters(config) {
                let filter: TraceFilter
                do { filter = try TraceFilter.parse(spec, ports: config.ports.map(\.name)) } catch { continue }
                try dataplane.armTrace(filter: filter, count: corpus.count + 1)
                var matched = 0
                for packet in corpus {
                    _ = try dataplane.run(packet.frame, ingress: packet.ingress)
                    let records = dataplane.drainTrace()
                    let swift = packet.frame.withUnsafeBytes { filter.matches($0, ingress: packet.ingress) }
                    if swift { matched += 1 }
                    checked += 1
                    if (records.count == 1) != swift || records.count > 1, mismatches.count < 20 {
                        mismatches.append("\(relative) filter '\(spec)': \(packet.origin) on port \(packet.ingress): "
                                          + "TraceFilter \(swift), BPF \(records.count) records")
                    }
                }
                if matched > 0 && matched < corpus.count { discriminating += 1 }
            }
            try dataplane.disarmTrace()
        }
        for m in mismatches { Issue.record(Comment(rawValue: m)) }
        #expect(mismatches.isEmpty)
        #expect(discriminating >= 10, "only \(discriminating) filters told packets apart")
        print("trace filter differential: \(checked) (filter, packet) pairs, \(discriminating) discriminating filters, \(mismatches.count) mismatches")
    }
}

/// How much the verifier had to walk to load the program (bpf_prog_info.
/// verified_insns), printed for the record; bounded only by the kernel's
/// limit, since the exact count depends on the kernel.
@Suite struct VerifierCostTests {
    @Test func theProgramLoadsWellInsideTheVerifierLimit() throws {
        guard XDPTest.requireRoot() else { return }
        let dataplane = try XDPDataplane(config: try XDPTest.config(), options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        let insns = dataplane.object.verifiedInstructions
        print("sfc_xdp: the verifier processed \(insns) instructions")
        #expect(insns < 1_000_000, "the verifier's limit is 1,000,000 instructions")
        #expect(TraceRecord.frameBytes == Int(SFC_TRACE_BYTES), "TraceRecord keeps what an event holds")
    }
}

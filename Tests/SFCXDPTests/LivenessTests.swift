// Instance liveness on XDP held to the reference pipeline: the same traffic
// through both while instances go down, drain, come back and change weight
// (written in place: XDPDataplane.setInstances / LiveInstances.set), with
// fail open and fail closed functions; every packet's verdict and bytes and
// every counter, node events (affinity new / moved, hops bypassed, probe
// replies) included, must agree. Then probes coming back are consumed and
// recorded the same way (docs/PIPELINE.md "Instance state, fail mode and flow
// affinity", "Liveness probes"). SFCCoreTests/InstanceLivenessTests holds
// the reference to the algorithm itself.
import Foundation
import SFCCore
import SFCFixtures
import SFCXDP
import Testing

@Suite(.serialized) struct LivenessTests {
    /// One step of the scenario: which state (and weight) each instance has.
    struct Phase: Sendable {
        var name: String
        var entry: @Sendable (_ instance: Int, _ count: Int) -> InstanceLiveness.Entry
    }

    static let phases: [Phase] = [
        Phase(name: "all up") { _, _ in .init() },
        Phase(name: "instance 0 down") { i, _ in .init(state: i == 0 ? .down : .up) },
        Phase(name: "every instance down") { _, _ in .init(state: .down) },
        Phase(name: "instance 0 draining, the others up") { i, _ in .init(state: i == 0 ? .drain : .up) },
        Phase(name: "all up, instance 0 weighted 5") { i, _ in .init(state: .up, weight: i == 0 ? 5 : nil) },
        Phase(name: "the last instance down") { i, n in .init(state: i == n - 1 ? .down : .up) },
    ]

    @Test(.timeLimit(.minutes(5)))
    func xdpAgreesWithTheReferenceWhileInstancesFailDrainAndComeBack() throws {
        guard XDPTest.requireRoot() else { return }
        let object = try XDPTest.objectPath()
        var total = 0, mismatches: [String] = []
        var events = Counters(tables: ForwardingTables(try XDPTest.config())).events
        for (n, relative) in DifferentialTests.configurations.enumerated() {
            var config = try XDPTest.config(relative)
            // Every other function fails open, so both modes are met.
            for f in config.functions.indices where f % 2 == 1 { config.functions[f].fail = .open }
            let tables = ForwardingTables(config)
            let corpus = DifferentialCorpus.valid(tables: tables, flowsPerRule: 16, seed: 0x11FE + UInt64(n))
                .filter { $0.frame.count >= 14 }
            let pipeline = Pipeline(tables: tables)
            let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: object))
            for phase in Self.phases {
                var liveness = InstanceLiveness()
                for function in config.functions {
                    for (i, instance) in function.instances.enumerated() {
                        liveness.set(function: function.name, instance: instance.name, phase.entry(i, function.instances.count))
                    }
                }
                for (f, function) in tables.functions.enumerated() {
                    let selector = liveness.selector(of: function.config), states = liveness.states(of: function.config)
                    pipeline.live.set(function: f, selector: selector, states: states)
                    try dataplane.setInstances(function: f, selector: selector, states: states)
                }
                for packet in corpus {
                    total += 1
                    let ref = DifferentialTests.reference(pipeline, packet), got = DifferentialTests.xdp(dataplane, packet)
                    if ref != got && mismatches.count < 30 {
                        mismatches.append("\(relative), \(phase.name): \(packet.origin) on port \(packet.ingress): "
                                          + "reference \(ref), XDP \(got)\(Differential.firstDifference(ref.output, got.output))")
                    }
                }
            }
            let xdpCounters = try dataplane.counters(), refCounters = pipeline.counters
            #expect(xdpCounters == refCounters, "\(relative): counters differ:\n\(Differential.counterDifference(refCounters, xdpCounters))")
            for e in events.indices { events[e] += refCounters.events[e] }
        }
        for m in mismatches { Issue.record(Comment(rawValue: m)) }
        #expect(mismatches.isEmpty)
        // The scenario reached what it is about.
        for event in [NodeEvent.affinityNew, .affinityMoved, .hopBypassed] {
            #expect(events[Int(event.rawValue)] > 0, "no \(event) event in the whole scenario")
        }
        let dropsDown = total  // printed for whoever reads the log
        print("liveness differential: \(dropsDown) packets over \(Self.phases.count) phases, events "
              + NodeEvent.allCases.map { "\($0.name) \(events[Int($0.rawValue)])" }.joined(separator: ", ")
              + ", \(mismatches.count) mismatches")
    }

    /// A probe coming back: on a return attachment (nsh-unaware, sr-unaware)
    /// bare, from an nsh-aware instance inside NSH with the O bit and SI - 1,
    /// or from an sr-aware one in SRv6 to the node's probe SID. Both
    /// dataplanes consume it and record its sequence by token; a packet that
    /// is almost a probe (wrong magic) is not consumed.
    @Test func probesComingBackAreConsumedAndRecordedAsOnTheReference() throws {
        guard XDPTest.requireRoot() else { return }
        let object = try XDPTest.objectPath()
        var probed = 0, kinds = Set<String>()
        for relative in DifferentialTests.configurations {
            let config = try XDPTest.config(relative)
            let tables = ForwardingTables(config)
            let pipeline = Pipeline(tables: tables)
            let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: object))
            var token: UInt32 = 0
            for (f, function) in tables.functions.enumerated() {
                for i in function.config.instances.indices {
                    token += 1
                    guard let back = Self.returned(tables, function: f, instance: i, token: token, sequence: 7 + token) else { continue }
                    probed += 1
                    kinds.insert(function.config.kind.rawValue)
                    let packet = CorpusPacket(ingress: back.port, frame: back.bytes, origin: "probe \(function.config.name)/\(i)")
                    let ref = DifferentialTests.reference(pipeline, packet), got = DifferentialTests.xdp(dataplane, packet)
                    #expect(ref.verdict == "consumed", "\(relative): \(packet.origin): reference \(ref)")
                    #expect(got == ref, "\(relative): \(packet.origin): reference \(ref), XDP \(got)")
                    let r = pipeline.shared.probes.reply(token: Int(token)), x = dataplane.probeReply(token: Int(token))
                    #expect(r.sequence == 7 + token && r.count == 1, "\(relative): \(packet.origin): reference recorded \(r)")
                    #expect(x.sequence == r.sequence && x.count == r.count, "\(relative): \(packet.origin): XDP recorded \(x)")
                    // The same bytes with the magic broken: ordinary traffic again.
                    var bad = back.bytes
                    if let at = Self.find(ProbeFrames.payload(token: token, sequence: 7 + token), in: bad) { bad[at] ^= 0xFF }
                    let notProbe = CorpusPacket(ingress: back.port, frame: bad, origin: packet.origin + " (bad magic)")
                    let ref2 = DifferentialTests.reference(pipeline, notProbe), got2 = DifferentialTests.xdp(dataplane, notProbe)
                    #expect(ref2.verdict != "consumed" && got2 == ref2, "\(relative): \(notProbe.origin): reference \(ref2), XDP \(got2)")
                }
            }
            let xdpCounters = try dataplane.counters(), refCounters = pipeline.counters
            #expect(xdpCounters == refCounters, "\(relative): counters differ:\n\(Differential.counterDifference(refCounters, xdpCounters))")
        }
        #expect(probed >= 5, "only \(probed) instances could be probed")
        #expect(kinds == Set(FunctionKind.allCases.map(\.rawValue)), "probed only \(kinds.sorted())")
    }

    /// The frame a probed instance sends back.
    static func returned(_ tables: ForwardingTables, function f: Int, instance i: Int, token: UInt32, sequence: UInt32) -> ProbeFrame? {
        let function = tables.functions[f].config
        guard let out = ProbeFrames.frame(tables, function: f, instance: i, tuple: function.health?.probe ?? .defaultPositive,
                                          token: token, sequence: sequence) else { return nil }
        if function.kind == .srAware {
            // What the function's End does: SL 1 -> 0, DA = the probe SID
            // (Segment List[0]), hop limit - 1; back on the port it left by.
            var bytes = out.bytes
            let l2 = bytes[12] == 0x81 ? 18 : 14
            bytes[l2 + 7] &-= 1
            bytes[l2 + 40 + 3] = 0
            for k in 0..<16 { bytes[l2 + 24 + k] = bytes[l2 + 48 + k] }
            return ProbeFrame(port: out.port, bytes: bytes)
        }
        guard let via = function.instances[i].attachment else { return nil }
        let l2 = via.vlan == 0 ? 14 : 18
        switch function.kind {
        case .nshAware:
            var bytes = out.bytes
            bytes[l2 + 7] &-= 1  // the function's SI - 1 (RFC 8300 s2.2)
            return ProbeFrame(port: out.port, bytes: bytes)
        case .nshUnaware, .srUnaware:
            for (key, entry) in zip(tables.returns.keys, tables.returns.values)
            where Int(entry.function) == f && Int(entry.instance) == i {
                let port = Int(key >> 16), vlan = UInt16(key & 0xFFFF)
                let eth = PacketBuilder.ethernet(destination: tables.ports[port].mac, source: via.mac,
                                                 vlan: vlan, etherType: EtherType.ipv4)
                return ProbeFrame(port: port, bytes: eth + Array(out.bytes[l2...]))
            }
            return nil
        case .srAware:
            return nil
        }
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard needle.count <= hay.count else { return nil }
        for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

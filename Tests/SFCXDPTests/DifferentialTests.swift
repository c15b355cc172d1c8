// The XDP program against the reference pipeline on generated traffic: for
// every chain file in Chains/ (and the fixtures' reference configuration),
// valid traffic for each classifier rule walked along its whole chain, then
// mutations of it (truncations, flipped bits, bad NSH/SRH/IP lengths, wrong
// ingress). Both dataplanes see the packets in the same order (the End.AD
// cache and the NSH proxy state are stateful alike, the flow hash is
// order-free), and must agree
// on every verdict, egress port, drop reason and output byte, and at the end
// on every counter. The corpus is seeded: a mismatch names the packet's
// origin and is replayable.
import Foundation
import SFCConfig
import SFCCore
import SFCFixtures
import SFCTrace
import SFCXDP
import Testing

@Suite(.serialized) struct DifferentialTests {
    /// What one dataplane did with one packet, in the reference's terms.
    struct Result: Equatable, CustomStringConvertible {
        var verdict: String
        var egress: Int?
        var reason: String?
        var output: [UInt8]
        var description: String {
            "\(verdict)\(egress.map { " port \($0)" } ?? "")\(reason.map { " (\($0))" } ?? "") \(output.count) bytes"
        }
    }

    static func reference(_ pipeline: Pipeline, _ packet: CorpusPacket) -> Result {
        let (meta, output) = pipeline.process(packet.frame, ingress: packet.ingress)
        switch meta.verdict {
        case .forward: return Result(verdict: "forward", egress: Int(meta.egressPort), output: output)
        case .drop: return Result(verdict: "drop", reason: meta.dropReason?.name, output: [])
        case .consumed: return Result(verdict: "consumed", output: [])
        case .pending: return Result(verdict: "pending", output: [])
        }
    }

    static func xdp(_ dataplane: XDPDataplane, _ packet: CorpusPacket) -> Result {
        do {
            let r = try dataplane.run(packet.frame, ingress: packet.ingress)
            switch r.outcome(ingress: packet.ingress) {
            case .forward(let port): return Result(verdict: "forward", egress: port, output: r.output)
            case .drop(let reason): return Result(verdict: "drop", reason: reason?.name ?? "code \(r.reasonCode)", output: [])
            case .passed: return Result(verdict: "XDP_PASS without a reason", output: [])
            case .consumed: return Result(verdict: "consumed", output: [])
            case .aborted: return Result(verdict: "aborted (action \(r.rawAction))", output: [])
            }
        } catch {
            return Result(verdict: "error: \(error)", output: [])
        }
    }

    static var configurations: [String] {
        let dir = XDPTest.repositoryRoot + "/Chains"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { "Chains/" + $0 }
            + ["Tests/Fixtures/configs/reference.yaml"]
    }

    @Test(.timeLimit(.minutes(5)))
    func xdpAgreesWithTheReferenceOnGeneratedAndMutatedTraffic() throws {
        guard XDPTest.requireRoot() else { return }
        let object = try XDPTest.objectPath()
        var total = 0, forwarded = 0, dropped = 0, reasons = Set<String>()
        var mismatches: [String] = []
        for (n, relative) in Self.configurations.enumerated() {
            let config = try XDPTest.config(relative)
            let tables = ForwardingTables(config)
            let valid = DifferentialCorpus.valid(tables: tables, flowsPerRule: 64, seed: 0x5FC0 + UInt64(n))
            let mutated = DifferentialCorpus.mutations(of: valid, count: 4_000, ports: config.ports.count, seed: 0xD1FF + UInt64(n))
            #expect(valid.count >= 100, "\(relative): only \(valid.count) valid packets")
            let pipeline = Pipeline(tables: tables)
            let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: object))
            var runts = 0
            for packet in valid + mutated {
                // BPF_PROG_RUN refuses frames below an Ethernet header (no driver hands
                // XDP one); the reference drops them as truncated. Checked apart, and
                // kept out of the counter comparison.
                if packet.frame.count < 14 {
                    runts += 1
                    let ref = Self.reference(Pipeline(tables: tables), packet)
                    #expect(ref.reason == DropReason.truncated.name, "\(relative): \(packet.origin): reference \(ref)")
                    continue
                }
                total += 1
                let ref = Self.reference(pipeline, packet), got = Self.xdp(dataplane, packet)
                if ref.verdict == "forward" { forwarded += 1 } else { dropped += 1 }
                if let r = ref.reason { reasons.insert(r) }
                if ref != got && mismatches.count < 30 {
                    let diff = Self.firstDifference(ref.output, got.output)
                    mismatches.append("\(relative): \(packet.origin) on port \(packet.ingress): reference \(ref), XDP \(got)\(diff)")
                }
            }
            let xdpCounters = try dataplane.counters(), refCounters = pipeline.counters
            #expect(xdpCounters == refCounters, "\(relative): counters differ:\n\(Self.counterDifference(refCounters, xdpCounters))")
            print("differential \(relative): \(valid.count) valid + \(mutated.count - runts) mutated packets (\(runts) runts apart)")
        }
        for m in mismatches { Issue.record(Comment(rawValue: m)) }
        #expect(mismatches.isEmpty)
        // The corpus is what the issue asks for: over 10,000 packets, both
        // verdicts well represented, and many drop reasons reached.
        #expect(total >= 10_000, "only \(total) packets")
        #expect(forwarded >= total / 10 && dropped >= total / 10, "forwarded \(forwarded), dropped \(dropped) of \(total)")
        #expect(reasons.count >= 10, "drop reasons reached: \(reasons.sorted())")
        print("differential: \(total) packets, \(forwarded) forwarded, \(dropped) dropped, \(reasons.count) drop reasons, "
              + "\(mismatches.count) mismatches")
    }

    /// Where two outputs first differ, or "" when they are equal.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        guard a != b else { return "" }
        var i = 0
        while i < min(a.count, b.count) && a[i] == b[i] { i += 1 }
        func hex(_ x: [UInt8]) -> String { x[min(i, x.count)..<min(i + 8, x.count)].map { String(format: "%02x", $0) }.joined() }
        return "; bytes differ from offset \(i): reference \(hex(a)), XDP \(hex(b))"
    }

    /// Names the counters that differ, one line each.
    static func counterDifference(_ a: Counters, _ b: Counters) -> String {
        var lines: [String] = []
        func compare(_ name: String, _ x: [UInt64], _ y: [UInt64]) {
            for i in 0..<max(x.count, y.count) {
                let l = i < x.count ? x[i] : 0, r = i < y.count ? y[i] : 0
                if l != r { lines.append("  \(name)[\(i)]: reference \(l), XDP \(r)") }
            }
        }
        compare("rxPackets", a.rxPackets, b.rxPackets)
        compare("txPackets", a.txPackets, b.txPackets)
        compare("txBytes", a.txBytes, b.txBytes)
        compare("drops", a.drops, b.drops)
        compare("chainPackets", a.chainPackets, b.chainPackets)
        compare("chainBytes", a.chainBytes, b.chainBytes)
        compare("hopPackets", a.hopPackets, b.hopPackets)
        compare("instancePackets", a.instancePackets, b.instancePackets)
        compare("events", a.events, b.events)
        return lines.prefix(40).joined(separator: "\n")
    }
}

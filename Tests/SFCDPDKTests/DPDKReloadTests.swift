// Hot reload and live trace of the DPDK dataplane, through
// `sfc-forwarder dpdk-selftest` (EAL starts once per process, so in a
// subprocess): forward() runs on ring ports while a plain thread injects a
// stream of known packets and applies Tests/Fixtures/reload/{a,b}.yaml in
// turn, or arms a trace. Nothing here depends on timing: every count is
// settled (the lcore has received everything sent and flushed) before the
// self-test prints, and the self-test's own waits only guard against a hang.
import Foundation
@testable import SFCTestSupport
import Testing

@Suite(.serialized) struct DPDKReloadTests {
    static let dir = Forwarder.repositoryRoot + "/Tests/Fixtures/reload"

    static func int(_ any: Any?) -> Int { any as? Int ?? -1 }

    /// Also, with --stall, the lcore is held inside a poll (an RX callback)
    /// during one more apply: it must time out, roll back, and forwarding
    /// must go on with the tables that ran before; a later apply succeeds.
    @Test func everyPacketIsForwardedOrCountedAcrossReloadsAndAPortChangeIsRefused() throws {
        guard Forwarder.ready() else { return }
        let generations = 6
        let r = try Forwarder.run(["dpdk-selftest", "reload", "--config", Self.dir + "/a.yaml", "--config-b", Self.dir + "/b.yaml",
                                   "--config-ports", Self.dir + "/ports.yaml", "--generations", "\(generations)", "--packets", "300",
                                   "--stall"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try Forwarder.json(r.stdout)
        let sent = Self.int(json["sent"])
        let received = try #require(json["received"] as? [String: Int])
        let drops = try #require(json["drops"] as? [String: Int])
        let byKind = try #require(json["sentByKind"] as? [String: Int])
        #expect(sent > 0)
        // Conservation: received on a port, or counted under one drop reason; nothing else.
        #expect(Self.int(json["lost"]) == 0)
        #expect(received.values.reduce(0, +) + drops.values.reduce(0, +) + Self.int(json["txRefused"]) == sent,
                "sent \(sent), received \(received), drops \(drops)")
        #expect(Self.int(json["mbufsInUse"]) == 0)
        #expect(Self.int(json["generationAtStart"]) == 1, "an apply before forward() starts swaps at once")
        // The applies, the stalled one that did not happen, and the one after it.
        #expect(Self.int(json["generation"]) == 1 + generations + 2)
        // The swaps took effect: a.yaml classifies web on port 80, b.yaml on 8080.
        let probes = try #require(json["probes"] as? [[String: Any]])
        #expect(probes.count == 2)
        if probes.count == 2 {
            #expect(Self.int(probes[0]["generation"]) == 1 + generations)  // a.yaml (applied last)
            #expect(Self.int(probes[0]["web80"]) == 30 && Self.int(probes[0]["web8080"]) == 0, "\(probes[0])")
            #expect(Self.int(probes[1]["generation"]) == 1 + generations + 2)  // b.yaml
            #expect(Self.int(probes[1]["web80"]) == 0 && Self.int(probes[1]["web8080"]) == 30, "\(probes[1])")
            #expect(Self.int(probes[0]["stable"]) == 30 && Self.int(probes[1]["stable"]) == 30)
        }

        // The unchanged chain counted every packet sent to it, across all swaps.
        let after = try #require(json["after"] as? [String: Any])
        let chains = try #require(after["chainPackets"] as? [String: Int])
        let hops = try #require(after["hopPackets"] as? [String: Int])
        let stable = try #require(byKind["stable"])
        #expect(chains["stable"] == stable)
        #expect(hops["stable/0/fw"] == stable)
        // web: port 80 in a.yaml, 8080 in b.yaml; what no generation classified is `unclassified`.
        #expect((chains["web"] ?? 0) + (drops["unclassified"] ?? 0) == (byKind["web80"] ?? 0) + (byKind["web8080"] ?? 0))
        #expect((chains["web"] ?? 0) > 0 && (drops["unclassified"] ?? 0) > 0, "both generations saw web traffic")
        // Counts only grow, across each apply and from one apply to the next.
        let samples = try #require(json["samples"] as? [[String: Any]])
        #expect(samples.count == generations)
        var last = 0
        for s in samples {
            let before = Self.int(s["stableBefore"]), afterApply = Self.int(s["stableAfter"])
            #expect(before >= last && afterApply >= before, "\(s)")
            #expect(Self.int(s["rxAfter"]) >= Self.int(s["rxBefore"]), "\(s)")
            last = afterApply
        }
        #expect(last <= stable)

        // A port change is refused with a reason, the generation stays, traffic still flows.
        let refusal = try #require(json["refusal"] as? [String: Any])
        #expect((refusal["error"] as? String ?? "").contains("port change needs a restart"), "\(refusal)")
        #expect(Self.int(refusal["generationAfter"]) == Self.int(refusal["generationBefore"]))
        #expect(Self.int(refusal["forwardedAfter"]) == Self.int(refusal["sentAfter"]))

        // A reload an lcore held inside a poll could not finish: refused, old tables (a.yaml) forward on.
        let stall = try #require(json["stall"] as? [String: Any])
        #expect((stall["error"] as? String ?? "").contains("did not reach a quiescent point"), "\(stall)")
        #expect(Self.int(stall["generationAfter"]) == Self.int(stall["generationBefore"]))
        #expect(Self.int(stall["forwardedAfter"]) == Self.int(stall["sentAfter"]), "web80 still classified by a.yaml")

        let workers = try #require(json["workers"] as? [[String: Any]])
        #expect(workers.count == 1)
        #expect(Self.int(workers[0]["rxPackets"]) == sent)
        let polls = Self.int(workers[0]["polls"]), busy = Self.int(workers[0]["busyPolls"])
        #expect(busy > 0 && busy <= polls)
    }

    struct Trace {
        var json: [String: Any]
        var trace: [String: Any]
        var records: [[String: Any]]
        var frames: [[String: Any]]
    }

    func trace(filter: String, count: Int, packets: Int) throws -> Trace? {
        let r = try Forwarder.run(["dpdk-selftest", "trace", "--config", Self.dir + "/a.yaml", "--filter", filter,
                                   "--count", "\(count)", "--packets", "\(packets)"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        guard r.status == 0 else { return nil }
        let json = try Forwarder.json(r.stdout)
        let trace = try #require(json["trace"] as? [String: Any])
        return Trace(json: json, trace: trace, records: try #require(trace["records"] as? [[String: Any]]),
                     frames: try #require(trace["frames"] as? [[String: Any]]))
    }

    /// Records are the matching frames, in the order sent, with what the dataplane did.
    func checkRecords(_ t: Trace, dropped: Int = 0) throws {
        let ports = try #require(t.trace["ports"] as? [String])
        let services = try #require(ports.firstIndex(of: "services"))
        let matching = t.frames.filter { $0["matches"] as? Bool == true }
        for (k, record) in t.records.enumerated() {
            #expect(Self.int(record["sequence"]) == k)
            let sentFrame = try #require(matching[k]["frame"] as? String)
            let ingressFrame = try #require(record["ingressFrame"] as? String)
            #expect(ingressFrame == sentFrame, "record \(k) is not the \(k)th matching frame")
            #expect(Self.int(record["ingressLength"]) * 2 == sentFrame.count)
            #expect(Self.int(record["ingress"]) == 0)
            #expect(Self.int(record["generation"]) == 1)  // applied before forward() started
            switch matching[k]["kind"] as? String {
            case "match-forward":
                #expect(record["verdict"] as? String == "forward")
                #expect(Self.int(record["egress"]) == services)
                let egress = try #require(record["egressFrame"] as? String)
                // Ethernet to an fw instance, NSH (0x894F), then the arriving IP packet unchanged.
                #expect(egress.count == Self.int(record["egressLength"]) * 2)
                #expect(String(Array(egress)[24..<28]) == "894f")
                #expect(egress.hasSuffix(String(sentFrame.dropFirst(28))))
                #expect(Self.int(record["chain"]) == 0)  // "stable"
                #expect(Self.int(record["function"]) == 0)  // "fw"
            case "match-drop":
                #expect(record["verdict"] as? String == "drop")
                #expect(record["dropReason"] as? String == "unclassified")
                #expect(Self.int(record["egress"]) == -1)
            default:
                Issue.record("record \(k) from a frame that does not match")
            }
        }
        #expect(Self.int(t.trace["recordsBeforeArming"]) == 0)
        #expect(Self.int(t.trace["recordsAfterDisarm"]) == 0)
        #expect(Self.int(t.trace["dropped"]) == dropped)
        #expect(Self.int(t.json["lost"]) == 0)
    }

    @Test func aTraceRecordsMatchingPacketsOnlyAndStopsAtItsCount() throws {
        guard Forwarder.ready() else { return }
        // 3 x 8 packets: 8 forwarded and 8 dropped match (dport 443), 8 do not.
        guard let t = try trace(filter: "proto=tcp,dport=443", count: 7, packets: 8) else { return }
        #expect(t.records.count == 7)
        #expect(t.trace["armedAfterCount"] as? Bool == false, "the lcore disarms itself at the count")
        try checkRecords(t)
    }

    @Test func aTraceWithRoomLeftRecordsEveryMatchingPacket() throws {
        guard Forwarder.ready() else { return }
        guard let t = try trace(filter: "proto=tcp,dport=443", count: 100, packets: 6) else { return }
        #expect(t.records.count == 12)
        #expect(t.trace["armedAfterCount"] as? Bool == true)
        try checkRecords(t)
    }

    @Test func aFullRingDropsRecordsNotPackets() throws {
        guard Forwarder.ready() else { return }
        // 1200 matching packets, nothing drained until the end: the lcore's
        // ring (LcoreWorker.traceRingSlots = 1024) keeps the first 1024.
        guard let t = try trace(filter: "proto=tcp,dport=443", count: 5000, packets: 600) else { return }
        #expect(t.records.count == 1024)
        try checkRecords(t, dropped: 1200 - 1024)
        #expect(Self.int(t.json["sent"]) == 15 + 1800 + 20)
    }
}

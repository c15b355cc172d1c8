// `sfc-lab soak` without root: its options, the outage schedule, the
// /proc and counter readings, the second chain file, and the pass/fail
// judgement over tables of samples. No test here depends on a duration.
import Foundation
@testable import SFCLab
import Testing

struct SoakOptionsTests {
    @Test func theDefaultsAreValid() throws {
        let o = try SoakOptions()
        #expect(o.minutes == 10 && o.pps == 200 && o.flows == 8 && o.reloadSeconds == 1 && o.outageSeconds == 20)
        #expect(o.seconds == 600)
    }

    @Test(arguments: [
        (2, 200.0, 8, 20.0, "--minutes 2"), (3, 0.0, 8, 20.0, "--pps 0"), (3, 200.0, 0, 20.0, "--flows 0"),
        (3, 200.0, 65, 20.0, "--flows 65"), (3, 200.0, 8, 2.0, "--outage-seconds 2"), (3, 200.0, 8, 100.0, "at least two outages"),
    ])
    func aBadOptionIsRefusedByName(minutes: Int, pps: Double, flows: Int, outage: Double, expected: String) {
        do {
            _ = try SoakOptions(minutes: minutes, pps: pps, flows: flows, outageSeconds: outage)
            Issue.record("accepted: minutes \(minutes) pps \(pps) flows \(flows) outage \(outage)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func theReloadAndQueryPeriodsHaveBounds() {
        #expect(throws: LabError.self) { try SoakOptions(reloadSeconds: 0.1) }
        #expect(throws: LabError.self) { try SoakOptions(querySeconds: 0) }
        #expect(throws: LabError.self) { try SoakOptions(minuteSeconds: 5) }
        #expect(throws: LabError.self) { try SoakOptions(port: 0) }
    }

    @Test func outagesAlternateAndStayAwayFromMinuteBoundaries() throws {
        let o = try SoakOptions()
        let steps = o.outageSchedule(count: 2)
        #expect(steps.prefix(4) == [.init(t: 5, down: true, index: 0), .init(t: 15, down: false, index: 0),
                                    .init(t: 25, down: true, index: 1), .init(t: 35, down: false, index: 1)])
        // Every down has its up, the last one before the end.
        #expect(steps.filter(\.down).count == steps.filter { !$0.down }.count)
        #expect(steps.filter(\.down).count == 30)
        #expect((steps.last?.t ?? .infinity) + 2 < o.seconds)
        for s in steps {
            let fromBoundary = s.t.truncatingRemainder(dividingBy: 60)
            #expect(fromBoundary >= 2 && fromBoundary <= 58, "step at \(s.t) s")
        }
        #expect(o.outageSchedule(count: 0).isEmpty)
        #expect(Set(o.outageSchedule(count: 3).map(\.index)) == [0, 1, 2])
    }
}

struct SoakReadingTests {
    @Test func procStatusGivesRSSAndThreads() {
        let text = "Name:\tsfc-forwarder\nVmPeak:\t  812345 kB\nVmRSS:\t   45678 kB\nRssAnon:\t   30000 kB\nThreads:\t12\nSigQ:\t0/1\n"
        let parsed = ProcessStats.parse(status: text)
        #expect(parsed?.rssKiB == 45678 && parsed?.threads == 12)
        #expect(ProcessStats.parse(status: "Name:\tx\nThreads:\t3\n") == nil)
    }

    @Test func theLeastOfSeveralReadsIsTakenFigureByFigure() {
        let reads = [ProcessStats(rssKiB: 100, threads: 9, fds: 31), ProcessStats(rssKiB: 98, threads: 10, fds: 30),
                     ProcessStats(rssKiB: 99, threads: 9, fds: 32)]
        #expect(ProcessStats.least(reads) == ProcessStats(rssKiB: 98, threads: 9, fds: 30))
        #expect(ProcessStats.least([]) == nil)
    }

    @Test func thisProcessCanBeRead() throws {
        let s = try #require(ProcessStats.read(pid: getpid()))
        #expect(s.rssKiB > 0 && s.threads >= 1 && s.fds >= 3)
        #expect(ProcessStats.read(pid: -1) == nil)
    }

    @Test func countersAddUpPerChainAndMoveByMinute() {
        func counters(_ a: Int, _ b: Int, _ c: Int, _ d: Int, drops: [String: Int]) -> SoakCounters {
            SoakCounters(counters: ["chains": [["name": "soak", "packets": a, "delivered": b, "hops": []],
                                               ["name": "soak-return", "packets": c, "delivered": d]],
                                    "drops": drops, "ports": [:]])
        }
        let first = counters(100, 98, 90, 90, drops: ["egress-down": 1])
        #expect(first.sent == 190 && first.delivered == 188 && first.dropped == 1 && first.lost == 1)
        let second = counters(300, 297, 280, 280, drops: ["egress-down": 1, "nsh-no-path": 2])
        let minute = second.since(first)
        #expect(minute.chains["soak"] == .init(sent: 200, delivered: 199))
        #expect(minute.drops == ["nsh-no-path": 2])  // a reason that did not move is left out
        #expect(minute.sent == 390 && minute.delivered == 389 && minute.lost == -1)
    }
}

struct SoakChainFileTests {
    static let text = """
        functions:
          - name: relay
            instances:
              - {name: r1, weight: 1, port: r1-c2s, mac: "02:00:00:81:01:11"}
              - {name: r10, weight: 7, port: r2-c2s, mac: "02:00:00:81:01:21"}
          - name: relay-return
            instances:
              - {name: r1-return, weight: 1, port: r1-s2c}
        """

    @Test func theSecondFileRaisesOneAppliancesWeight() throws {
        let other = try #require(SoakChainFiles.variant(of: Self.text, instances: ["r1", "r1-return"]))
        #expect(other.contains("{name: r1, weight: 2, port: r1-c2s") && other.contains("{name: r1-return, weight: 2, port: r1-s2c"))
        #expect(other.contains("{name: r10, weight: 7,"))
        #expect(other.components(separatedBy: "\n").count == Self.text.components(separatedBy: "\n").count)
        #expect(SoakChainFiles.variant(of: Self.text, instances: ["r10"])?.contains("{name: r10, weight: 8,") == true)
    }

    @Test func anInstanceWithoutAWeightHasNoVariant() {
        #expect(SoakChainFiles.variant(of: Self.text, instances: ["r1", "r3"]) == nil)
        #expect(SoakChainFiles.variant(of: "- {name: r1, port: p}", instances: ["r1"]) == nil)
        #expect(SoakChainFiles.variant(of: Self.text, instances: []) == nil)
    }

    static var soakLab: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Chains/soak-lab.yaml").path
    }

    @Test func theSoakLabHasAPairToTakeDownAndBothFilesCompile() throws {
        let plan = try LabPlan.load(chainFile: Self.soakLab, prefix: "sfc-soak-")
        #expect(plan.sffNamespace == "sfc-soak-sff" && plan.namespaces.allSatisfy { $0.hasPrefix("sfc-soak-") })
        let target = try SoakTarget(plan: plan)
        #expect(target.function == "relay" && target.vnfs.map(\.vnf.name) == ["r1", "r2"])
        #expect(target.forwardChain == "soak" && target.returnChain == "soak-return")
        #expect(target.keys(target.vnfs[0]).map { "\($0.0)/\($0.1)" } == ["relay/r1", "relay-return/r1-return"])
        let directory = NSTemporaryDirectory() + "soak-tests-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(target.firstInstances == ["r1", "r1-return"])
        let files = try SoakChainFiles.write(chainFile: Self.soakLab, instances: target.firstInstances, directory: directory)
        let second = try LabPlan.load(chainFile: files.second)
        for f in ["relay", "relay-return"] {
            #expect(second.config.functions.first { $0.name == f }?.instances.map(\.weight) == [2, 1])
        }
        let mode = try FileManager.default.attributesOfItem(atPath: files.second)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test func theDemoLabsKeepTheirPrefix() throws {
        let failover = URL(fileURLWithPath: Self.soakLab).deletingLastPathComponent().appendingPathComponent("failover-lab.yaml").path
        let plan = try LabPlan.load(chainFile: failover)
        #expect(plan.sffNamespace == "sfc-lab-sff")
    }
}

/// Tables of samples in, checks out.
struct SoakJudgeTests {
    static func minute(_ n: Int, sent: Int = 24000, lost: Int = 0, drops: [String: Int] = [:], outage: Int = 0,
                       rss: Int = 40000, fds: Int = 40, threads: Int = 12, reloadsFailed: Int = 0, queriesFailed: Int = 0) -> SoakMinute {
        let dropped = drops.values.reduce(0, +)
        let half = sent / 2
        let counters = SoakCounters(chains: ["soak": .init(sent: half, delivered: half - lost - dropped),
                                             "soak-return": .init(sent: sent - half, delivered: sent - half)], drops: drops)
        return SoakMinute(minute: n, end: Double(n) * 60, counters: counters, outages: outage > 0 ? ["r1"] : [], outagePackets: outage,
                          process: ProcessStats(rssKiB: rss, threads: threads, fds: fds), reloads: 60, reloadsFailed: reloadsFailed,
                          queries: 360, queriesFailed: queriesFailed, generation: 60 * n)
    }

    /// A run that passes: 3 minutes, 6 outages (3 each), the outages' losses within what they sent into dead links.
    static func good(minutes: [SoakMinute]? = nil) -> SoakResult {
        let minutes = minutes ?? [minute(1, lost: 3, drops: ["egress-down": 5], outage: 20, rss: 38000),
                                  minute(2, lost: 2, drops: ["egress-down": 4], outage: 18),
                                  minute(3, lost: 4, drops: ["egress-down": 6], outage: 25, rss: 40100)]
        let outages = (0..<6).map { i in
            SoakOutage(vnf: i % 2 == 0 ? "r1" : "r2", minute: i / 2 + 1, downAt: Double(5 + 20 * i), detectedAfter: 0.08,
                       upAt: Double(15 + 20 * i), backAfter: 0.1, packets: [10, 10, 9, 9, 12, 13][i])
        }
        let sent = minutes.map(\.sent).reduce(0, +), lost = minutes.map(\.lost).reduce(0, +)
        let dropped = minutes.map { $0.drops.values.reduce(0, +) }.reduce(0, +)
        let half = sent / 2
        let totals = SoakCounters(chains: ["soak": .init(sent: half, delivered: half - lost - dropped),
                                           "soak-return": .init(sent: sent - half, delivered: sent - half)],
                                  drops: dropped > 0 ? ["egress-down": dropped] : [:])
        let end = SoakEnd(running: true, answered: true, stoppedCleanly: true, firstGeneration: 0,
                          lastGeneration: minutes.map(\.reloads).reduce(0, +), totals: totals, forwardChain: "soak", returnChain: "soak-return")
        let traffic = SoakTraffic(clientSent: half, serverReceived: half - lost - dropped, serverEchoed: sent - half,
                                  clientReceived: sent - half, flows: 150, sendErrors: 0)
        var r = SoakResult(dataplane: "xdp", config: "Chains/soak-lab.yaml", node: "sfc-soak", started: "2025-01-01T00:00:00Z",
                           machine: "Linux test", options: try! SoakOptions(minutes: 3), function: "relay", pair: ["r1", "r2"],
                           minutes: minutes, outages: outages, end: end, traffic: traffic)
        r.judge()
        return r
    }

    static func failing(_ r: SoakResult) -> [String] { r.checks.filter { !$0.ok }.map(\.name) }

    @Test func aSteadyRunPasses() {
        let r = Self.good()
        #expect(r.ok, "\(Self.failing(r)) \(r.checks.filter { !$0.ok }.map(\.detail))")
        #expect(r.checks.count == 11)
        #expect(r.text.contains("result: PASS"))
    }

    @Test func memoryMayGrowFivePercentOverTheBaselineNotMore() {
        var ok = Self.good(minutes: [Self.minute(1, rss: 10000), Self.minute(2, rss: 40000), Self.minute(3, rss: 42000)])
        #expect(ok.ok)
        ok = Self.good(minutes: [Self.minute(1), Self.minute(2, rss: 40000), Self.minute(3, rss: 42001)])
        #expect(Self.failing(ok).count == 1 && Self.failing(ok)[0].hasPrefix("memory flat"))
    }

    @Test func descriptorsMustEqualTheBaselineAndThreadsNotGrow() {
        let fds = Self.good(minutes: [Self.minute(1, fds: 35), Self.minute(2, fds: 40), Self.minute(3, fds: 41)])
        #expect(Self.failing(fds).count == 1 && Self.failing(fds)[0].hasPrefix("descriptors flat"))
        let fewer = Self.good(minutes: [Self.minute(1), Self.minute(2, fds: 40), Self.minute(3, fds: 39)])
        #expect(Self.failing(fewer).count == 1 && Self.failing(fewer)[0].hasPrefix("descriptors flat"))
        let threads = Self.good(minutes: [Self.minute(1), Self.minute(2, threads: 12), Self.minute(3, threads: 13)])
        #expect(Self.failing(threads).count == 1 && Self.failing(threads)[0].hasPrefix("threads flat"))
    }

    @Test func withoutMinutesPastTheBaselineFlatnessIsNotJudged() {
        let r = Self.good(minutes: [Self.minute(1), Self.minute(2)])
        let failed = Self.failing(r)
        #expect(failed.contains { $0.hasPrefix("memory flat") } && failed.contains { $0.hasPrefix("descriptors flat") })
        #expect(r.checks.first { $0.name.hasPrefix("memory flat") }?.detail.contains("baseline") == true)
    }

    @Test func aDropReasonNoOutageExplainsFails() {
        let r = Self.good(minutes: [Self.minute(1), Self.minute(2, drops: ["nsh-no-path": 1]), Self.minute(3)])
        #expect(Self.failing(r).contains { $0.hasPrefix("drops only for the outages") })
        #expect(r.checks.first { $0.name.hasPrefix("drops only") }?.detail == "unexplained: nsh-no-path 1")
    }

    @Test func aMinuteMayBeOffByWhatIsInFlightNotMore() {
        // 64 in flight: lost 64 with no outage passes, 65 fails; -64 passes, -65 fails.
        let inFlight = SoakCriteria().inFlight
        let edge = Self.good(minutes: [Self.minute(1, lost: inFlight), Self.minute(2, lost: -inFlight), Self.minute(3)])
        #expect(!Self.failing(edge).contains { $0.contains("each minute") })
        let over = Self.good(minutes: [Self.minute(1), Self.minute(2, lost: inFlight + 1), Self.minute(3)])
        #expect(Self.failing(over).contains { $0.contains("each minute") })
        let under = Self.good(minutes: [Self.minute(1), Self.minute(2, lost: -inFlight - 1), Self.minute(3)])
        #expect(Self.failing(under).contains { $0.contains("each minute") })
        // An outage explains its own losses and egress-down drops, up to what it sent into the dead links.
        let outage = Self.good(minutes: [Self.minute(1), Self.minute(2, lost: 100, drops: ["egress-down": 50], outage: 100), Self.minute(3)])
        #expect(!Self.failing(outage).contains { $0.contains("each minute") })
        let beyond = Self.good(minutes: [Self.minute(1), Self.minute(2, lost: 100, drops: ["egress-down": 65], outage: 100), Self.minute(3)])
        #expect(Self.failing(beyond).contains { $0.contains("each minute") })
    }

    @Test func inTotalNothingIsInFlight() {
        var r = Self.good()
        // The outages sent 63 packets into dead links; the run lost 9 and dropped 15.
        r.end.totals.chains["soak"]?.delivered -= 40
        r.judge()
        #expect(Self.failing(r).contains { $0.contains("in total") })
        var negative = Self.good()
        negative.end.totals.chains["soak"]?.delivered += 10
        negative.judge()
        #expect(Self.failing(negative).contains { $0.contains("in total") })
    }

    @Test func theGeneratorMustAgreeWithTheForwarder() {
        var r = Self.good()
        r.traffic?.clientReceived -= 1
        r.judge()
        #expect(Self.failing(r) == ["the traffic generator's counts are the forwarder's"])
        r.traffic = nil
        r.judge()
        #expect(Self.failing(r) == ["the traffic generator's counts are the forwarder's"])
    }

    @Test func aFailedReloadQueryOrOutageFails() {
        let reload = Self.good(minutes: [Self.minute(1), Self.minute(2, reloadsFailed: 1), Self.minute(3)])
        #expect(Self.failing(reload).contains { $0.hasPrefix("every reload applied") })
        var generation = Self.good()
        generation.end.lastGeneration -= 1
        generation.judge()
        #expect(Self.failing(generation) == ["every reload applied, one generation each"])
        let query = Self.good(minutes: [Self.minute(1), Self.minute(2), Self.minute(3, queriesFailed: 2)])
        #expect(Self.failing(query).contains { $0.hasPrefix("the control API") })
        var missed = Self.good()
        missed.outages[3].detectedAfter = nil
        missed.judge()
        #expect(Self.failing(missed).contains { $0.hasPrefix("every outage failed over") })
        var notBack = Self.good()
        notBack.outages[5].backAfter = nil
        notBack.judge()
        #expect(Self.failing(notBack).contains { $0.hasPrefix("every outage failed over") })
    }

    @Test func aForwarderThatDiedOrDidNotStopCleanlyFails() {
        var r = Self.good()
        r.end.running = false
        r.judge()
        #expect(Self.failing(r).contains { $0.hasPrefix("no crash") })
        var unclean = Self.good()
        unclean.end.stoppedCleanly = false
        unclean.end.stopError = "sfc-forwarder did not stop cleanly (status 134)"
        unclean.judge()
        #expect(Self.failing(unclean) == ["no crash: the forwarder ran to the end, answered, stopped cleanly"])
        #expect(unclean.checks[0].detail.contains("status 134"))
    }

    @Test func theTableHasAColumnPerFigureAndARowPerMinute() throws {
        let r = Self.good()
        let lines = SoakText(result: r).table().split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].split(separator: " ").prefix(4) == ["min", "sent", "delivered", "lost"])
        let row = lines[3].split(separator: " ").map(String.init)
        #expect(row.first == "3" && row.contains("egress-down") && row.contains("39.2") && row.contains("r1"))
        #expect(r.text.contains("criteria (minute 1 is the warm-up, minute 2 the baseline)"))
    }

    @Test func theJSONHasTheMinutesAndTheVerdict() throws {
        let r = Self.good()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.json.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == true)
        let minutes = try #require(object["minutes"] as? [[String: Any]])
        #expect(minutes.count == 3 && minutes[2]["lost"] as? Int == 4)
        #expect((minutes[0]["process"] as? [String: Any])?["rssKiB"] as? Int == 38000)
        let decoded = try JSONDecoder().decode(SoakResult.self, from: Data(r.json.utf8))
        #expect(decoded.minutes == r.minutes && decoded.outages == r.outages && decoded.end == r.end)
    }
}

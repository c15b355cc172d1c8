// The soak's minutes: one thread, one loop. Each turn does what is due:
// the next outage step (a vnf's links down, or up again), polling the
// forwarder's instances while one is on its way down or back up, a reload
// (two chain files in turn), the queries (GET /v1/status, /v1/counters and
// /metrics), and at a minute's end the sample. A sample waits for an
// outage the forwarder has not taken out yet, so that what that outage
// sent into the dead links and what it lost fall in the same minute.
import Foundation

struct SoakLoop {
    let target: SoakTarget
    let options: SoakOptions
    let api: ControlClient
    let forwarder: LabProcess
    let pid: Int32
    let files: (first: String, second: String)
    let metrics: () -> Bool
    let log: @Sendable (String) -> Void

    private(set) var minutes: [SoakMinute] = []
    private(set) var outages: [SoakOutage] = []
    private(set) var generation: Int

    private let start = Date()
    private var previous = SoakCounters()
    private var reloads = 0, reloadsFailed = 0, queries = 0, queriesFailed = 0
    private var reloadCount = 0
    /// The outage whose links are down but the forwarder has not taken out yet, and its instances' packets just before.
    private var goingDown: (index: Int, before: Int)?
    /// The outage whose links are up again but the forwarder has not taken in yet.
    private var comingUp: Int?

    init(target: SoakTarget, options: SoakOptions, api: ControlClient, forwarder: LabProcess, pid: Int32,
         files: (first: String, second: String), generation: Int, baseline: SoakCounters,
         metrics: @escaping () -> Bool, log: @escaping @Sendable (String) -> Void) {
        self.target = target; self.options = options; self.api = api; self.forwarder = forwarder; self.pid = pid
        self.files = files; self.generation = generation; self.previous = baseline; self.metrics = metrics; self.log = log
    }

    var now: Double { Date().timeIntervalSince(start) }

    /// Runs every minute (or until the forwarder is gone), then waits for the last outage to come back.
    mutating func run() throws {
        var schedule = options.outageSchedule(count: target.vnfs.count)
        var nextReload = options.reloadSeconds, nextQuery = 0.0
        while minutes.count < options.minutes && forwarder.isRunning {
            var busy = false
            if let step = schedule.first, now >= step.t {
                schedule.removeFirst()
                try outage(step)
                busy = true
            }
            if goingDown != nil || comingUp != nil { poll(); busy = true }
            if now >= nextReload {
                reload()
                nextReload = max(nextReload + options.reloadSeconds, now)
                busy = true
            }
            if now >= nextQuery {
                query()
                nextQuery = now + options.querySeconds
                busy = true
            }
            if now >= Double(minutes.count + 1) * options.minuteSeconds && goingDown == nil {
                sample()
                busy = true
            }
            if !busy { Thread.sleep(forTimeInterval: 0.01) }
        }
        let deadline = Date().addingTimeInterval(15)
        while (goingDown != nil || comingUp != nil) && Date() < deadline && forwarder.isRunning {
            poll()
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    private var minute: Int { minutes.count + 1 }

    /// The instances' packet counter summed over `keys`, and whether all are in `state`.
    private func instances(_ keys: [(String, String)], _ state: String) throws -> (packets: Int, all: Bool) {
        let o = try api.instances()
        return (keys.map { o[$0]?.packets ?? 0 }.reduce(0, +), keys.allSatisfy { o[$0]?.state == state })
    }

    private mutating func outage(_ step: SoakOptions.OutageStep) throws {
        let vnf = target.vnfs[step.index]
        let keys = target.keys(vnf)
        if step.down {
            // The count before the links go down is the outage's base: asked again (a few times) if the API failed once.
            var before: Int?
            for _ in 0..<3 where before == nil {
                queries += 1
                before = try? instances(keys, "up").packets
                if before == nil { queriesFailed += 1 }
            }
            guard let before else { throw LabError("GET /v1/instances failed 3 times before \(vnf.vnf.name)'s outage") }
            for link in vnf.links { try Shell.check(["ip", "-n", vnf.namespace, "link", "set", link.interface, "down"]) }
            outages.append(SoakOutage(vnf: vnf.vnf.name, minute: minute, downAt: now))
            goingDown = (outages.count - 1, before)
        } else {
            if let (i, before) = goingDown {
                // Never taken out: all it was sent while down counts as the outage's.
                outages[i].packets = ((try? instances(keys, "down").packets) ?? before) - before
                goingDown = nil
                log("soak: \(vnf.vnf.name) was never taken out by the forwarder")
            }
            try VNFSetup.linksUp(vnf)
            let i = outages.lastIndex { $0.vnf == vnf.vnf.name }
            if let i { outages[i].upAt = now }
            comingUp = i
        }
    }

    private mutating func poll() {
        if let (i, before) = goingDown {
            let keys = target.keys(target.vnfs[target.vnfs.firstIndex { $0.vnf.name == outages[i].vnf } ?? 0])
            queries += 1
            guard let seen = try? instances(keys, "down") else { queriesFailed += 1; return }
            if seen.all {
                outages[i].detectedAfter = now - outages[i].downAt
                outages[i].packets = seen.packets - before
                goingDown = nil
            }
        }
        if let i = comingUp, let upAt = outages[i].upAt {
            let keys = target.keys(target.vnfs[target.vnfs.firstIndex { $0.vnf.name == outages[i].vnf } ?? 0])
            queries += 1
            guard let seen = try? instances(keys, "up") else { queriesFailed += 1; return }
            if seen.all {
                outages[i].backAfter = now - upAt
                comingUp = nil
            }
        }
    }

    private mutating func reload() {
        reloadCount += 1
        let path = reloadCount % 2 == 1 ? files.second : files.first
        reloads += 1
        do {
            let answer = try api.request("POST", "/v1/reload", ["config": path])
            if let g = answer["generation"] as? Int { generation = g }
        } catch {
            reloadsFailed += 1
            log("soak: reload with \(path) failed: \(error)")
        }
    }

    private mutating func query() {
        queries += 3
        if (try? api.request("GET", "/v1/status"))?["pid"] as? Int != Int(pid) { queriesFailed += 1 }
        if (try? api.request("GET", "/v1/counters"))?["chains"] == nil { queriesFailed += 1 }
        if !metrics() { queriesFailed += 1 }
    }

    private mutating func sample() {
        let answer: [String: Any]
        do { answer = try api.request("GET", "/v1/counters") } catch {
            queries += 1; queriesFailed += 1
            return
        }
        let counters = SoakCounters(counters: answer)
        if let g = answer["generation"] as? Int { generation = g }
        let stats = ProcessStats.settled(pid: pid) ?? ProcessStats(rssKiB: 0, threads: 0, fds: 0)
        let started = outages.filter { $0.minute == minute }
        let m = SoakMinute(minute: minute, end: now, counters: counters.since(previous), outages: started.map(\.vnf),
                           outagePackets: started.map(\.packets).reduce(0, +), process: stats, reloads: reloads,
                           reloadsFailed: reloadsFailed, queries: queries, queriesFailed: queriesFailed, generation: generation)
        minutes.append(m)
        previous = counters
        reloads = 0; reloadsFailed = 0; queries = 0; queriesFailed = 0
        log(String(format: "soak: minute %d: sent %d, delivered %d, lost %d, drops %@, outage %d; RSS %.1f MiB, %d fds, %d threads; %d reloads",
                   m.minute, m.sent, m.delivered, m.lost, m.drops.isEmpty ? "none" : SoakJudge.list(m.drops), m.outagePackets,
                   Double(stats.rssKiB) / 1024, stats.fds, stats.threads, m.reloads))
    }
}

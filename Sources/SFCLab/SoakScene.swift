// `sfc-lab soak` (make soak, README "Soak"): the forwarder for many
// minutes under steady traffic, reloaded every second, asked for its
// status, counters and metrics all the time, while the instances of a
// probed function lose their links in turn. Setup and end here; the
// minutes in SoakLoop, the verdict in SoakJudge.
import Foundation

extension Lab {
    /// Builds the lab and runs the soak on it (the caller tears down).
    public func soak(_ options: SoakOptions) throws -> SoakResult {
        let target = try SoakTarget(plan: plan)
        try up()
        return try SoakScene(lab: self, target: target, options: options).run()
    }
}

struct SoakScene {
    let lab: Lab
    let target: SoakTarget
    let options: SoakOptions

    /// The relays originate nothing: while a link comes back before its routes
    /// (VNFSetup.linksUp), a probe arriving on it would make the kernel answer
    /// with an ICMP unreachable out of the other link, which the forwarder's
    /// NSH proxy takes back into the chain as the SF's (and delivers): traffic
    /// no one sent. The probe is dropped instead (one miss while it comes up).
    static let quiet = "table ip soak_quiet {\n  chain output { type filter hook output priority filter; policy drop; }\n}\n"

    /// The metrics listener, on the loopback of the forwarder's own namespace.
    static let metricsAddress = "127.0.0.1:9481"

    func run() throws -> SoakResult {
        let plan = lab.plan, log = lab.log
        let directory = lab.directory + "/soak"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for vnf in target.vnfs { try Shell.nft(vnf.namespace, Self.quiet) }
        let files = try SoakChainFiles.write(chainFile: plan.chainFile, instances: target.firstInstances, directory: directory)
        var runner = lab.forwarder(directory: directory)
        runner.control = directory + "/control.sock"
        runner.metrics = Self.metricsAddress
        runner.config = files.first
        log("starting sfc-forwarder (\(lab.dataplane.rawValue)) in \(plan.sffNamespace), control socket and metrics on")
        let forwarder = try runner.start()
        lab.register(forwarder)
        let api = ControlClient(socket: directory + "/control.sock")
        try api.waitForStates(target.allKeys, "up", timeout: 30, what: "every instance of \(target.function) up (probes)")
        let status = try api.request("GET", "/v1/status")
        guard let pid = (status["pid"] as? Int).map(Int32.init) else { throw LabError("GET /v1/status: no pid") }
        let firstGeneration = status["generation"] as? Int ?? 0
        let baseline = SoakCounters(counters: try api.request("GET", "/v1/counters"))

        let generator = try SoakGenerator.start(target: target, options: options, repositoryRoot: lab.repositoryRoot,
                                                directory: directory, register: lab.register)
        let started = Date().ISO8601Format()
        log("soak: \(options.minutes) minute(s) on \(lab.dataplane.rawValue), sfc-forwarder pid \(pid); "
            + "\(target.vnfs.map(\.vnf.name).joined(separator: ", ")) lose their links in turn")
        let sff = plan.sffNamespace
        var loop = SoakLoop(target: target, options: options, api: api, forwarder: forwarder, pid: pid, files: files,
                            generation: firstGeneration, baseline: baseline, metrics: { Self.metricsAnswer(sff) }, log: log)
        try loop.run()

        let running = forwarder.isRunning
        let answered = running && ((try? api.request("GET", "/v1/status"))?["pid"] as? Int) == Int(pid)
        if !generator.running { log("soak: the traffic generator stopped early") }
        var traffic = generator.stop()
        lab.waitUntilQuiet()
        traffic?.serverKernelReceived = try? Readout.link(target.to.namespace, "eth0").rx
        traffic?.clientKernelReceived = try? Readout.link(target.from.namespace, "eth0").rx
        var totals = (try? api.request("GET", "/v1/counters")).map(SoakCounters.init(counters:))
        var lastGeneration = loop.generation
        if let s = try? api.request("GET", "/v1/status"), let g = s["generation"] as? Int { lastGeneration = g }
        var stoppedCleanly = false, stopError: String?
        do {
            // The final counters it prints on SIGTERM are the totals (they equal the last GET's).
            totals = SoakCounters(counters: try runner.stop(forwarder))
            stoppedCleanly = true
        } catch {
            stopError = "\(error)".prefix(600).description
        }
        let end = SoakEnd(running: running, answered: answered, stoppedCleanly: stoppedCleanly, stopError: stopError,
                          firstGeneration: firstGeneration, lastGeneration: lastGeneration,
                          totals: (totals ?? SoakCounters()).since(baseline), forwardChain: target.forwardChain,
                          returnChain: target.returnChain)
        var result = SoakResult(dataplane: lab.dataplane.rawValue, config: plan.chainFile, node: plan.node, started: started,
                                machine: Self.machine(), options: options, function: target.function,
                                pair: target.vnfs.map(\.vnf.name), minutes: loop.minutes, outages: loop.outages, end: end,
                                traffic: traffic)
        result.judge()
        return result
    }

    /// GET /metrics from inside the forwarder's namespace: 200 and the chain counters in it.
    static func metricsAnswer(_ namespace: String) -> Bool {
        let r = Shell.run(Shell.inNamespace(namespace, ["curl", "-s", "--max-time", "10", "-w", "\n%{http_code}",
                                                        "http://\(metricsAddress)/metrics"]), timeout: 20)
        return r.ok && r.stdout.hasSuffix("\n200") && r.stdout.contains("sfc_chain_packets_total")
    }

    /// "Linux 6.1.0-18-amd64 x86_64, 2 CPUs (model name)".
    static func machine() -> String {
        let uname = Shell.run(["uname", "-srm"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "?"
        return "\(uname), \(ProcessInfo.processInfo.activeProcessorCount) CPUs (\(model))"
    }
}

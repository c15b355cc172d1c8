// The lab's VNF manager (lab scale:, docs/DEMO.md "scale"): starts and stops
// the instances of a scaled function on load. An instance is the lab vnf
// that serves it: a namespace of its own, its veth (the far end, parked in
// the forwarder's namespace since `up`, moved in), the VNF's configuration
// and software (VNFSetup), its processes in a cgroup of their own. It joins
// the forwarder by a reload with a chain file that has it (established
// flows keep their instance: flow affinity) and leaves by a drain (no new
// flows), a wait until its packet counter stands still, a reload without
// it, and the namespace deleted. ScalePolicy decides; this acts and samples.
import Foundation
import SFCLabConfig
import Yams

final class ScaleManager {
    struct Running {
        var vnf: LabPlan.VNFPlan
        var instance: String
        var startedAt: Double
        var drainingSince: Double?
        var process: LabProcess?
        var cgroup: CGroup?
    }

    let plan: LabPlan
    let scale: LabDescription.Scale
    let directory: String
    let xdpPass: String?
    let repositoryRoot: String
    let register: (LabProcess) -> Void
    let log: @Sendable (String) -> Void
    let start = Date()
    /// The control socket, once the forwarder runs.
    var control: String?
    private(set) var running: [String: Running] = [:]
    /// CPU seconds of a vnf's cgroup(s) while sampled: the sum of the increments (a restart starts a new cgroup at 0).
    func cpuSeconds(_ vnf: String) -> Double? {
        let s = samples[vnf] ?? []
        var total = 0, any = false
        for (a, b) in zip(s, s.dropFirst()) {
            guard let x = a.cpuMicroseconds, let y = b.cpuMicroseconds else { continue }
            any = true
            if y >= x { total += y - x }
        }
        return any ? Double(total) / 1e6 : nil
    }

    /// Samples per vnf (its instance's counter and its cgroup's CPU time), kept after it stopped.
    private(set) var samples: [String: [ScaleSample]] = [:]
    private(set) var events: [Timeline.Event] = []
    /// Frames each NSH-aware instance says it returned (its own count, at its stop).
    private(set) var seenBySF: [String: Int] = [:]
    private(set) var actions: [(t: Double, action: ScaleAction)] = []
    /// Why there are no CPU numbers, if there are none.
    let cgroupProblem: String?
    private var generation = 0

    init(plan: LabPlan, scale: LabDescription.Scale, directory: String, xdpPass: String?, repositoryRoot: String,
         register: @escaping (LabProcess) -> Void, log: @escaping @Sendable (String) -> Void) {
        self.plan = plan; self.scale = scale; self.directory = directory; self.xdpPass = xdpPass
        self.repositoryRoot = repositoryRoot; self.register = register; self.log = log
        if case .failure(let e) = CGroup.root() { cgroupProblem = e.description } else { cgroupProblem = nil }
    }

    var now: Double { Date().timeIntervalSince(start) }

    func event(_ label: String, at t: Double? = nil) {
        let at = t ?? now
        events.append(.init(t: at, label: label))
        log(String(format: "%6.2fs ", at) + label)
    }

    // MARK: instances

    /// Namespace, veth moved in, configuration, software in its cgroup. Not yet in the forwarder.
    func startInstance(_ name: String) throws {
        guard let vnf = plan.vnf(name), let index = scale.vnfs.firstIndex(of: name) else { throw LabError("no scaled vnf \(name)") }
        let ns = vnf.namespace, sff = plan.sffNamespace
        _ = Shell.run(["ip", "netns", "del", ns])  // a leftover
        try Shell.check(["ip", "netns", "add", ns])
        try Shell.check(["ip", "-n", ns, "link", "set", "lo", "up"])
        try Topology.sysctl(ns, ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        try VNFSetup.prepare(vnf)
        for link in vnf.links {
            guard let veth = plan.veths.first(where: { $0.namespace == ns && $0.peerInterface == link.interface }),
                  let parked = veth.parked else { throw LabError("vnf \(name): no parked veth for \(link.interface)") }
            try Shell.check(["ip", "-n", sff, "link", "set", "dev", parked, "netns", ns])
            try Shell.check(["ip", "-n", ns, "link", "set", "dev", parked, "name", link.interface])
            try Topology.noOffloads(ns, link.interface)
            if let xdpPass {
                try Shell.check(["ip", "-n", ns, "link", "set", "dev", link.interface, "xdpdrv", "obj", xdpPass, "sec", "xdp"])
            }
            try Shell.check(["ip", "-n", ns, "link", "set", link.interface, "up"])
        }
        try VNFSetup.configure(vnf, plan: plan)
        var cgroup: CGroup?
        if cgroupProblem == nil { cgroup = try CGroup.create(name) }
        var process: LabProcess?
        if vnf.vnf.kind == .nshAware, let link = vnf.links.first {
            let argv = Shell.inNamespace(ns, [Locations.python, "-u", repositoryRoot + "/Tests/e2e/nsh_aware_sf.py", link.interface,
                                              directory + "/\(name)-stats.json"])
            let p = try LabProcess(name: name, argv: cgroup?.wrap(argv) ?? argv, directory: directory)
            register(p)
            try p.waitFor("ready", timeout: 15)
            process = p
        }
        running[name] = Running(vnf: vnf, instance: scale.instances[index], startedAt: now, process: process, cgroup: cgroup)
    }

    /// Software stopped, the veth's far end parked again, namespace and cgroup removed.
    func stopInstance(_ name: String) {
        guard let r = running.removeValue(forKey: name) else { return }
        r.process?.stop(timeout: 5)
        if r.process != nil, let o = Shell.json((try? String(contentsOfFile: directory + "/\(name)-stats.json", encoding: .utf8)) ?? "")
            as? [String: Any] {
            let returned = o["returned"] as? Int ?? 0
            seenBySF[name, default: 0] += returned
            log("\(name) stopped: it returned \(returned) frames (\(o["by_spi"] ?? [:]))")
        }
        for link in r.vnf.links {
            guard let parked = plan.veths.first(where: { $0.namespace == r.vnf.namespace && $0.peerInterface == link.interface })?.parked
            else { continue }
            _ = Shell.run(["ip", "-n", r.vnf.namespace, "link", "set", "dev", link.interface, "down"])
            _ = Shell.run(["ip", "-n", r.vnf.namespace, "link", "set", "dev", link.interface, "netns", plan.sffNamespace])
            _ = Shell.run(["ip", "-n", plan.sffNamespace, "link", "set", "dev", link.interface, "name", parked])
        }
        _ = Shell.run(["ip", "netns", "del", r.vnf.namespace])
        r.cgroup?.remove()
    }

    func stopAll() { for name in running.keys.sorted() { stopInstance(name) } }

    // MARK: the forwarder

    /// The chain file with only the running instances of the scaled function (and no lab section).
    func writeConfig() throws -> String {
        let text = try String(contentsOfFile: plan.chainFile, encoding: .utf8)
        guard let root = try Yams.compose(yaml: text), case .mapping(let top) = root else {
            throw LabError("\(plan.chainFile) is not a YAML mapping")
        }
        let keep = Set(running.values.map(\.instance))
        var pairs: [(Node, Node)] = []
        for (key, value) in top {
            if key.string == "lab" { continue }
            guard key.string == "functions", case .sequence(let functions) = value else { pairs.append((key, value)); continue }
            let edited: [Node] = functions.map { f in
                guard case .mapping(let fm) = f, fm["name"]?.string == scale.function else { return f }
                return .mapping(Node.Mapping(fm.map { k, v -> (Node, Node) in
                    guard k.string == "instances", case .sequence(let list) = v else { return (k, v) }
                    return (k, .sequence(Node.Sequence(list.filter { keep.contains($0["name"]?.string ?? "") })))
                }))
            }
            pairs.append((key, .sequence(Node.Sequence(edited))))
        }
        generation += 1
        let path = directory + "/running-\(generation).yaml"
        try ("# written by sfc-lab's VNF manager: \(plan.chainFile) with the running instances of \(scale.function)\n"
             + Yams.serialize(node: .mapping(Node.Mapping(pairs)))).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// One control API request (curl on the Unix socket); the decoded answer, or an error with the API's message.
    @discardableResult
    func api(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        guard let control else { throw LabError("the forwarder has no control socket yet") }
        return try ControlClient(socket: control).request(method, path, body)
    }

    func reload() throws {
        let path = try writeConfig()
        try api("POST", "/v1/reload", ["config": path])
        log("reloaded with \(path): " + instanceStates())
    }

    /// "router-1 up 1234, router-2 drain 56": the function's instances as the forwarder has them.
    func instanceStates() -> String {
        guard let o = try? api("GET", "/v1/instances") else { return "(GET /v1/instances failed)" }
        let f = (o["functions"] as? [[String: Any]] ?? []).first { $0["function"] as? String == scale.function }
        return (f?["instances"] as? [[String: Any]] ?? []).map {
            "\($0["name"] as? String ?? "?") \($0["state"] as? String ?? "?") w\($0["weight"] as? Int ?? 0) \($0["packets"] as? Int ?? 0)"
        }.joined(separator: ", ")
    }

    /// The forwarder's packet counter of each instance of the scaled function.
    func instancePackets() throws -> [String: Int] {
        let o = try api("GET", "/v1/instances")
        var packets: [String: Int] = [:]
        for f in o["functions"] as? [[String: Any]] ?? [] where f["function"] as? String == scale.function {
            for i in f["instances"] as? [[String: Any]] ?? [] {
                if let n = i["name"] as? String { packets[n] = i["packets"] as? Int ?? 0 }
            }
        }
        return packets
    }

    // MARK: the loop

    /// One sample of every running instance, then the policy's actions, carried out.
    func step() throws {
        let packets = try instancePackets()
        let t = now
        for (name, r) in running {
            samples[name, default: []].append(ScaleSample(t: t, packets: packets[r.instance] ?? 0,
                                                          cpuMicroseconds: r.cgroup?.usageMicroseconds()))
        }
        let views = running.map { name, r in
            ScaleInstanceView(vnf: name, instance: r.instance, state: r.drainingSince == nil ? .running : .draining,
                              startedAt: r.startedAt, drainingSince: r.drainingSince,
                              samples: (samples[name] ?? []).filter { $0.t >= r.startedAt })
        }
        for action in ScalePolicy.decide(scale, instances: views) {
            try act(action)
        }
    }

    func act(_ action: ScaleAction) throws {
        actions.append((now, action))
        switch action {
        case .start(let vnf, let instance, let reason):
            let t = now
            try startInstance(vnf)
            try reload()
            event("scale-out: \(instance) started and added by a reload (\(reason); ready in \(String(format: "%.2f", now - t)) s)", at: t)
        case .drain(_, let instance, let reason):
            try api("POST", "/v1/instances/\(scale.function)/\(instance)", ["state": "drain"])
            for (k, r) in running where r.instance == instance { running[k]?.drainingSince = now }
            event("drain: \(instance) takes no new flows (\(reason))")
        case .remove(let vnf, let instance, let reason):
            // Out of the running file first, then out of the lab.
            let keep = running.removeValue(forKey: vnf)
            try reload()
            if let keep { running[vnf] = keep }
            stopInstance(vnf)
            event("scale-in: \(instance) removed by a reload, its namespace deleted (\(reason))")
        }
    }

    /// Per-instance packet rates for the chart (rates between samples, smoothed over `smooth` samples).
    func timeline(title: String, smooth: Int = 3) -> Timeline {
        let series = scale.vnfs.compactMap { vnf -> Timeline.Series? in
            guard let s = samples[vnf], s.count > 1, let index = scale.vnfs.firstIndex(of: vnf) else { return nil }
            var points: [Timeline.Point] = []
            for i in 1..<s.count {
                let a = s[max(0, i - smooth)], b = s[i]
                guard b.t > a.t else { continue }
                points.append(.init(t: b.t, value: Double(max(0, b.packets - a.packets)) / (b.t - a.t)))
            }
            return Timeline.Series(name: scale.instances[index], points: points)
        }
        return Timeline(title: title, unit: "pps", series: series, events: events)
    }
}

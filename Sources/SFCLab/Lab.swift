// One lab run: build the network from the plan, start the forwarder, run
// the traffic, stop, read every counter, tear down. Teardown is idempotent
// and thread-safe: the signal handler (Signals.swift), a failure and the
// normal end all call it, and only the first one acts.
import Foundation
import SFCConfig

public final class Lab: @unchecked Sendable {
    public let plan: LabPlan
    public let dataplane: Dataplane
    public let directory: String
    public let repositoryRoot: String
    let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private let teardownLock = NSLock()
    private var processes: [LabProcess] = []
    private var tornDown = false
    /// The XDP_PASS object for the far ends of the veths (xdp dataplane), once `up` built it.
    private(set) var xdpPass: String?

    /// Where `up` keeps the state of a lab left running (the forwarder's output).
    public static func stateDirectory(node: String) -> String { "/run/sfc-lab/" + node }

    public init(chainFile: String, dataplane: Dataplane, directory: String? = nil, namespacePrefix: String = LabPlan.namespacePrefix,
                log: @escaping @Sendable (String) -> Void) throws {
        plan = try LabPlan.load(chainFile: chainFile, prefix: namespacePrefix)
        self.dataplane = dataplane
        self.log = log
        repositoryRoot = try Locations.repositoryRoot(chainFile: chainFile)
        self.directory = directory ?? NSTemporaryDirectory() + "sfc-lab-\(getpid())"
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        Shell.scratch = self.directory
    }

    func register(_ p: LabProcess) {
        lock.lock(); defer { lock.unlock() }
        processes.append(p)
    }

    private var cancelled: Bool { lock.lock(); defer { lock.unlock() }; return tornDown }

    private func step() throws { if cancelled { throw LabError("interrupted") } }

    /// Namespaces, veths, hosts and VNFs (what a killed run left is removed first).
    public func up() throws {
        let left = Topology.down(plan)
        if !left.isEmpty { log("removed what an earlier run left: \(left.joined(separator: ", "))") }
        try step()
        if dataplane == .xdp { xdpPass = try XDPPass.build(in: directory) }
        let namespaces = plan.initialNamespaces
        log("building \(namespaces.count) namespaces (\(namespaces.joined(separator: ", "))), \(plan.veths.count) veth pairs")
        try Topology.up(plan, xdpPass: xdpPass)
        try step()
    }

    public func forwarder(directory: String? = nil) -> ForwarderRunner {
        ForwarderRunner(plan: plan, dataplane: dataplane, repositoryRoot: repositoryRoot, directory: directory ?? self.directory)
    }

    /// Starts the forwarder and leaves it running (sfc-lab up); its output goes to the state directory.
    public func startDetached() throws -> (pid: Int32, log: String) {
        let state = Lab.stateDirectory(node: plan.node)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        _ = try VNFSetup.startNSHAware(plan, repositoryRoot: repositoryRoot, directory: state, register: { _ in })
        var runner = forwarder(directory: state)
        if let scale = plan.lab.scale.first {
            // A scaled function runs its `min` instances (no manager: that is the scale scene).
            let manager = ScaleManager(plan: plan, scale: scale, directory: state, xdpPass: xdpPass, repositoryRoot: repositoryRoot,
                                       register: { _ in }, log: log)
            for vnf in scale.vnfs.prefix(scale.min) { try manager.startInstance(vnf) }
            runner.config = try manager.writeConfig()
            log("\(scale.function): \(scale.min) of \(scale.vnfs.count) instance(s) running (the scale scene scales it)")
        }
        log("starting sfc-forwarder (\(dataplane.rawValue)) in \(plan.sffNamespace)")
        let p = try runner.start()
        return (p.pid, state + "/sfc-forwarder.err")
    }

    public func demo() throws -> LabReport {
        try up()
        guard let traffic = plan.lab.traffic else { throw LabError("the lab section has no `traffic:`: nothing to send") }
        let aware = try VNFSetup.startNSHAware(plan, repositoryRoot: repositoryRoot, directory: directory, register: register)
        log("starting sfc-forwarder (\(dataplane.rawValue)) in \(plan.sffNamespace)")
        let runner = forwarder()
        let forwarder = try runner.start()
        register(forwarder)
        try step()
        log("traffic: ping, \(traffic.tcp.count) TCP transfer(s), \(traffic.httpRequests) HTTP request(s), \(traffic.blocked.count) blocked probe(s)")
        let result = try TrafficRunner(plan: plan, traffic: traffic, repositoryRoot: repositoryRoot, directory: directory,
                                       register: register).run()
        try step()
        // Frames still in flight settle before the counters are read: until
        // no link of the forwarder has moved for 0.3 s (at most 10 s; a
        // loaded machine takes longer than an idle one, never a fixed time).
        waitUntilQuiet()
        log("stopping sfc-forwarder, reading the counters")
        let counters = try runner.stop(forwarder)
        for f in aware where !f.process.stop(timeout: 10) || f.process.status != 0 {
            throw LabError("\(f.process.name) did not stop cleanly (status \(f.process.status)): \(f.process.stderr.suffix(1000))")
        }
        var report = try ReportBuilder(plan: plan, dataplane: dataplane, traffic: result, counters: counters, nshAware: aware).build()
        if let steering = traffic.steering {
            try step()
            log("steering story: the forwarder again, with its control socket")
            let (story, checks) = try SteeringStory(plan: plan, steering: steering, traffic: traffic, dataplane: dataplane,
                                                    repositoryRoot: repositoryRoot, directory: directory + "/steering",
                                                    register: register, log: log).run()
            report.steering = story
            report.checks += checks
        }
        return report
    }

    /// The scale scene (lab scale:): a load ramp through the scaled function while sfc-lab's
    /// VNF manager scales it out and back in. The SVG chart goes to `reportDirectory`.
    public func scaleScene(reportDirectory: String, ramp: ScaleRamp = .demo) throws -> ScaleSceneResult {
        guard let scale = plan.lab.scale.first else {
            throw LabError("\(plan.chainFile) has no `scale:` in its lab section: the scale scene needs one (docs/CHAIN-FORMAT.md)")
        }
        try up()
        return try ScaleScene(plan: plan, scale: scale, dataplane: dataplane, repositoryRoot: repositoryRoot,
                              directory: directory + "/scale", reportDirectory: reportDirectory, xdpPass: xdpPass,
                              register: register, log: log, ramp: ramp).run()
    }

    /// The failover scene (lab failover:): the active firewall of the pair killed mid-transfer,
    /// with conntrackd and without. The SVG charts go to `reportDirectory`.
    public func failoverScene(reportDirectory: String) throws -> FailoverSceneResult {
        guard let failover = plan.lab.failover else {
            throw LabError("\(plan.chainFile) has no `failover:` in its lab section: the failover scene needs one (docs/CHAIN-FORMAT.md)")
        }
        try up()
        return try FailoverScene(plan: plan, failover: failover, dataplane: dataplane, repositoryRoot: repositoryRoot,
                                 directory: directory + "/failover", reportDirectory: reportDirectory, register: register, log: log).run()
    }

    /// Polls the kernel's packet counters of the far end of every veth.
    func waitUntilQuiet() {
        func sample() -> [Int] {
            plan.veths.flatMap { v -> [Int] in
                guard let c = try? Readout.link(v.namespace, v.peerInterface) else { return [-1, -1] }
                return [c.rx, c.tx]
            }
        }
        let deadline = Date().addingTimeInterval(10)
        var last = sample(), still = 0
        while still < 3 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            let now = sample()
            still = now == last ? still + 1 : 0
            last = now
        }
    }

    /// Stops every process (the forwarder first, so it detaches and unpins),
    /// deletes the namespaces and pins, removes the scratch files.
    /// A second caller (the main thread after a signal, or the reverse) waits for the first to finish.
    public func tearDown() {
        Shell.stopping = true
        teardownLock.lock()
        defer { teardownLock.unlock() }
        lock.lock()
        if tornDown { lock.unlock(); return }
        tornDown = true
        let running = processes
        lock.unlock()
        for p in running.reversed() { p.stop(timeout: 15) }
        let removed = Topology.down(plan)
        let namespaces = removed.filter { !$0.hasPrefix("/") }.count
        if !removed.isEmpty {
            log("torn down: \(namespaces) namespaces" + (removed.count > namespaces ? " and the pins in \(plan.pinDirectory)" : ""))
        }
        try? FileManager.default.removeItem(atPath: directory)
        // Commands run after this (Lab.leftovers) must not create the directory again.
        Shell.scratch = NSTemporaryDirectory()
    }

    /// The state directory of `up`, and the scratch directories of runs whose process is gone.
    public static func removeFiles(node: String) {
        let fm = FileManager.default
        try? fm.removeItem(atPath: stateDirectory(node: node))
        if (try? fm.contentsOfDirectory(atPath: "/run/sfc-lab"))?.isEmpty == true { try? fm.removeItem(atPath: "/run/sfc-lab") }
        let tmp = NSTemporaryDirectory()
        for name in (try? fm.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix("sfc-lab-") {
            if let pid = Int32(name.dropFirst("sfc-lab-".count)), kill(pid, 0) != 0 { try? fm.removeItem(atPath: tmp + "/" + name) }
        }
    }

    /// What is left of the lab on this machine: namespaces and the pin directory.
    public static func leftovers(_ plan: LabPlan) -> [String] {
        Topology.existing(plan) + (FileManager.default.fileExists(atPath: plan.pinDirectory) ? [plan.pinDirectory] : [])
    }
}

/// SIGINT and SIGTERM through dispatch sources: the handler runs on a queue
/// of its own while the main thread may be waiting on a child.
public enum Signals {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let lock = NSLock()
    nonisolated(unsafe) private static var first: Int32?

    /// The first SIGINT / SIGTERM taken, once one was: a scene that fails
    /// because the handler is tearing its lab down exits as the signal says
    /// (128 + signal), not as a failure.
    public static var received: Int32? {
        lock.lock(); defer { lock.unlock() }
        return first
    }

    public static func onInterrupt(_ handler: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: DispatchQueue(label: "sfc-lab.signal.\(sig)"))
            source.setEventHandler {
                lock.lock()
                if first == nil { first = sig }
                lock.unlock()
                handler(sig)
            }
            source.resume()
            sources.append(source)
        }
    }
}

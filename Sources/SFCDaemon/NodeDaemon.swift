// The running forwarder as something an operator can ask and steer: the
// active configuration and its generation, reloads (SIGHUP or the API),
// rules steered in at run time with their expiry, counters, live trace.
// Every operation takes one lock (control plane only: the dataplanes'
// per-packet paths never see it) so reloads and steers are applied one at
// a time, in order.
import Foundation
import Logging
import SFCConfig
import SFCControl
import SFCCore
import SFCRuntime

public final class NodeDaemon: @unchecked Sendable {
    public struct SteeringEntry: Sendable {
        public var name: String
        public var text: String
        public var added: Date
        /// Hard expiry (OpenFlow's hard_timeout), nil: until unsteered.
        public var expires: Date?
        /// Idle expiry (OpenFlow's idle_timeout): removed once no packet
        /// matched it for this long; nil: none.
        public var idleTimeout: Double?
        /// Its packet count when last seen to move, and when.
        public var lastPackets: UInt64 = 0
        public var lastActive: Date = Date()
    }

    /// How often idle expiry reads the counters (every tick would read every
    /// per-CPU map 20 times a second on XDP).
    package static let idleCheckInterval = 0.5
    private var lastIdleCheck = Date.distantPast

    package let driver: DataplaneDriver
    package let logger: Logger
    package let started = Date()
    public let node: String
    package let lock = NSLock()
    private(set) var configPath: String
    private(set) var configText: String
    private(set) var config: CompiledConfig
    private(set) var generation: UInt64
    private(set) var steering: [SteeringEntry] = []
    private(set) var reloads: [String: UInt64] = ["ok": 0, "invalid": 0, "failed": 0]
    package let reloadLatency = LatencyRecorder(.reload())
    package let steerLatency = LatencyRecorder(.steerApply())
    private var tracing = false
    package let liveness = Liveness()
    public var controlPath: String?
    public var metricsAddress: String?
    /// The control socket's and the metrics listener's connection ledgers, set once by whoever starts them.
    public var listeners: [(name: String, ledger: ConnectionLedger)] = []

    package init(configPath: String, text: String, config: CompiledConfig, driver: DataplaneDriver, logger: Logger) {
        self.configPath = configPath; self.configText = text; self.config = config
        self.driver = driver; self.logger = logger; self.node = config.node.name
        generation = driver.tables.generation
        liveness.adopt(driver.tables)
    }

    /// Runs `body` on the driver under the daemon's lock.
    package func withDriver<T>(_ body: (DataplaneDriver) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(driver)
    }

    // MARK: questions

    package func status() -> [String: Any] {
        lock.lock(); defer { lock.unlock() }
        let ports = driver.ports().map { ["name": $0.name, "attachment": $0.attachment, "link": $0.link] }
        let workers = driver.workers().map { w -> [String: Any] in
            var o: [String: Any] = ["name": w.name, "packets": w.packets]
            if let b = w.busyRatio { o["busy_ratio"] = b }
            return o
        }
        var object: [String: Any] = [
            "node": node, "dataplane": driver.kind, "pid": Int(getpid()),
            "uptime_seconds": Date().timeIntervalSince(started), "config": configPath, "generation": generation,
            "ports": ports, "workers": workers, "reloads": reloads,
            "steering": steering.map(steeringObject), "chains": config.chains.count, "rules": config.rules.count,
        ]
        let tables = driver.tables
        let counters = try? driver.counters()
        object["instances"] = tables.functions.indices.flatMap { f in
            tables.functions[f].config.instances.indices.map { i -> [String: Any] in
                let o = instanceObject(tables, f, i, counters)
                return o.filter { ["function", "name", "state", "weight", "reason", "packets"].contains($0.key) }
            }
        }
        if let controlPath { object["control"] = controlPath }
        if let metricsAddress { object["metrics"] = metricsAddress }
        return object
    }

    package func countersObject() throws -> [String: Any] {
        lock.lock(); defer { lock.unlock() }
        let report = CountersReport(tables: driver.tables, counters: try driver.counters())
        var object = report.dictionary
        object["text"] = report.text
        object["generation"] = generation
        object["node"] = node
        object["trace_records_dropped"] = driver.traceRecordsDropped
        return object
    }

    package func configuration() -> [String: Any] {
        lock.lock(); defer { lock.unlock() }
        return ["file": configPath, "generation": generation, "text": configText, "steering": steering.map(steeringObject)]
    }

    package func steeringList() -> [String: Any] {
        lock.lock(); defer { lock.unlock() }
        return ["generation": generation, "steering": steering.map(steeringObject)]
    }

    package func instances() -> [String: Any] {
        lock.lock(); defer { lock.unlock() }
        return instancesLocked()
    }

    private func instancesLocked() -> [String: Any] {
        let counters = try? driver.counters()
        let tables = driver.tables
        let functions: [[String: Any]] = tables.functions.enumerated().map { f, function in
            let instances: [[String: Any]] = function.config.instances.enumerated().map { i, instance in
                instanceObject(tables, f, i, counters)
            }
            var o: [String: Any] = ["function": function.config.name, "instances": instances,
                                    "fail": function.config.fail.rawValue,
                                    "affinity_idle_seconds": Double(function.config.affinityIdleMilliseconds) / 1000]
            if let h = function.config.health {
                o["health"] = ["interval_ms": h.intervalMilliseconds, "misses": h.misses, "rise": h.rise,
                               "negative": h.negative != nil] as [String: Any]
            }
            return o
        }
        var object: [String: Any] = ["generation": generation, "functions": functions]
        if let counters {
            object["events"] = Dictionary(uniqueKeysWithValues: NodeEvent.allCases.map { ($0.name, counters.events($0)) })
        }
        object["changes"] = liveness.events.map { e -> [String: Any] in
            ["time": e.0.ISO8601Format(), "function": e.1, "instance": e.2,
             "from": e.3.rawValue, "to": e.4.rawValue, "reason": e.5]
        }
        return object
    }

    private func instanceObject(_ tables: ForwardingTables, _ f: Int, _ i: Int, _ counters: Counters?) -> [String: Any] {
        let function = tables.functions[f].config, instance = function.instances[i]
        let key = Liveness.Key(function: function.name, instance: instance.name)
        var o = liveness.object(key)
        o["name"] = instance.name
        o["function"] = function.name
        o["configured_weight"] = instance.weight
        o["weight"] = liveness.trackers[key]?.weight ?? instance.weight
        if let counters { o["packets"] = counters.instancePackets[tables.instanceCounterBase[f] + i] }
        return o
    }

    /// An operator sets an instance's state or weight (`chain-trace instance`).
    package func setInstance(function: String, instance: String, state: InstanceState?, weight: Int?) throws -> [String: Any] {
        lock.lock(); defer { lock.unlock() }
        let tables = driver.tables
        guard let f = tables.functions.firstIndex(where: { $0.config.name == function }) else {
            throw ControlError(404, "no function '\(function)' on \(node); functions: \(tables.functions.map(\.config.name).joined(separator: ", "))")
        }
        guard let i = tables.functions[f].config.instances.firstIndex(where: { $0.name == instance }) else {
            throw ControlError(404, "function '\(function)' has no instance '\(instance)'; instances: "
                               + tables.functions[f].config.instances.map(\.name).joined(separator: ", "))
        }
        if let weight, !(1...1000).contains(weight) { throw ControlError(400, "weight must be 1..1000, got \(weight)") }
        guard state != nil || weight != nil else { throw ControlError(400, "give a state (up, down, drain) or a weight") }
        let key = Liveness.Key(function: function, instance: instance)
        guard let change = liveness.set(key, state: state, weight: weight) else {
            throw ControlError(404, "no instance '\(instance)' of '\(function)'")
        }
        try pushInstancesLocked(function: f)
        if change.from != change.to {
            logger.notice("instance \(function)/\(instance): \(change.from.rawValue) -> \(change.to.rawValue) (operator)")
        }
        if let weight { logger.notice("instance \(function)/\(instance): weight \(weight) (operator)") }
        return instanceObject(tables, f, i, try? driver.counters())
    }

    /// Writes function `f`'s buckets and states, as the liveness says, into
    /// the running generation, and those of the functions paired with it
    /// (one appliance: their states combine).
    private func pushInstancesLocked(function f: Int) throws {
        let config = driver.tables.config
        let l = liveness.liveness
        for g in InstanceLiveness.pairGroup(of: f, in: config) {
            try driver.setInstances(function: g, selector: l.selector(of: g, in: config), states: l.states(of: g, in: config))
        }
    }

    /// The prober's loop: one round per shortest probe interval, until stop.
    package func runProber() {
        while !StopSignal.requested {
            let wait = probeOnce(now: Date())
            usleep(useconds_t(max(0.005, min(wait, 0.1)) * 1_000_000))
        }
    }

    /// One probe round at `now`; the changes go to the dataplane. Returns
    /// the time to the next round.
    @discardableResult
    package func probeOnce(now: Date) -> Double {
        lock.lock(); defer { lock.unlock() }
        let tables = driver.tables
        let changed = liveness.probeRound(tables: tables, now: now, driver: driver, logger: logger)
        for f in changed.sorted() {
            do { try pushInstancesLocked(function: f) } catch {
                logger.error("instance state of \(tables.functions[f].config.name) not applied: \(error)")
            }
        }
        return liveness.interval(tables) ?? 0.1
    }

    private func steeringObject(_ e: SteeringEntry) -> [String: Any] {
        var o: [String: Any] = ["name": e.name, "rule": e.text, "added": e.added.ISO8601Format()]
        if let idle = e.idleTimeout {
            o["idle_timeout"] = idle
            o["idle_seconds"] = max(0, Date().timeIntervalSince(e.lastActive))
        }
        if let x = e.expires {
            o["expires"] = x.ISO8601Format()
            o["expires_in_seconds"] = max(0, x.timeIntervalSinceNow)
        }
        return o
    }

    // MARK: changes

    public enum Outcome {
        case applied(generation: UInt64, seconds: Double)
        case invalid([Diagnostic])
        case failed(String)
    }

    /// Re-reads the chain file (or `path`, which then becomes the file) and
    /// applies it with the steering rules; an invalid file changes nothing.
    package func reload(path: String? = nil) -> Outcome {
        lock.lock(); defer { lock.unlock() }
        let t0 = DispatchTime.now()
        let file = path ?? configPath
        let text: String
        switch ChainFile.readText(path: file, checkOwnership: true) {
        case .text(let t, let warnings):
            text = t
            for w in warnings { logger.warning("\(w.rendered)") }
        case .refused(let diagnostic): return refuse([diagnostic], file: file)
        }
        let outcome = applyLocked(text: text, file: file, steering: steering)
        switch outcome {
        case .applied(let g, _):
            configPath = file; configText = text
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
            reloadLatency.observe(seconds)
            reloads["ok", default: 0] += 1
            logger.notice("reloaded \(file): generation \(g) active (\(String(format: "%.1f", seconds * 1000)) ms)")
            return .applied(generation: g, seconds: seconds)
        case .invalid(let diagnostics):
            return refuse(diagnostics, file: file)
        case .failed(let why):
            reloads["failed", default: 0] += 1
            logger.error("reload of \(file) failed, generation \(generation) keeps forwarding: \(why)")
            return outcome
        }
    }

    private func refuse(_ diagnostics: [Diagnostic], file: String) -> Outcome {
        reloads["invalid", default: 0] += 1
        logger.error("reload refused: \(file) does not validate; generation \(generation) keeps forwarding")
        for d in diagnostics where d.severity == .error { logger.error("\(d.rendered)") }
        return .invalid(diagnostics)
    }

    /// Compiles `text` with `steering` and, when valid, makes it the next generation.
    private func applyLocked(text: String, file: String, steering: [SteeringEntry]) -> Outcome {
        let rules = steering.map { SteeringRuleText(source: "steer:\($0.name)", text: $0.text) }
        let (compiled, diagnostics) = ChainFile.parse(text: text, file: file, steering: rules)
        guard let compiled else { return .invalid(diagnostics) }
        guard compiled.node.name == node else {
            return .invalid([Diagnostic(severity: .error, file: file, line: 1, column: 1,
                                        message: "node name '\(compiled.node.name)' differs from the running node '\(node)': a new node needs a new forwarder")])
        }
        // Both dataplanes fix the seed when they start (XDP: in the
        // program's .rodata); a new one would move every established flow.
        guard compiled.flowHashSeed == config.flowHashSeed else {
            return .invalid([Diagnostic(severity: .error, file: file, line: 1, column: 1,
                                        message: "the flow-hash key differs from the one the node started with: changing it "
                                                 + "moves established flows to other instances, so it takes a restart")])
        }
        for warning in diagnostics where warning.severity == .warning { logger.warning("\(warning.rendered)") }
        for warning in Self.pathChanges(from: config, to: compiled) { logger.warning("\(file): \(warning)") }
        let next = generation + 1
        do {
            try driver.apply(compiled, generation: next, liveness: liveness.liveness)
        } catch {
            return .failed("\(error)")
        }
        liveness.adopt(driver.tables)
        generation = next
        config = compiled
        return .applied(generation: next, seconds: 0)
    }

    /// Adds a steering rule (one YAML mapping in the chain file's rule
    /// syntax, with a `name`), optionally for `duration` seconds.
    package func steer(rule text: String, duration: Double?, idle: Double? = nil) -> Outcome {
        lock.lock(); defer { lock.unlock() }
        let t0 = DispatchTime.now()
        let name = Self.ruleName(text) ?? ""
        if !name.isEmpty, steering.contains(where: { $0.name == name }) {
            return .invalid([Diagnostic(severity: .error, file: "steer:\(name)", line: 1, column: 1,
                                        message: "a steering rule named '\(name)' is already active: unsteer it first")])
        }
        var next = steering
        next.append(SteeringEntry(name: name.isEmpty ? "unnamed" : name, text: text, added: Date(),
                                  expires: duration.map { Date().addingTimeInterval($0) }, idleTimeout: idle))
        let outcome = applyLocked(text: configText, file: configPath, steering: next)
        if case .applied(let g, _) = outcome {
            steering = next
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9
            steerLatency.observe(seconds)
            logger.notice("steering rule '\(name)' added\(duration.map { " for \($0) s" } ?? "")\(idle.map { ", idle expiry \($0) s" } ?? ""): generation \(g) active")
            return .applied(generation: g, seconds: seconds)
        }
        if case .invalid(let d) = outcome {
            for x in d where x.severity == .error { logger.warning("steer refused: \(x.rendered)") }
        }
        return outcome
    }

    /// Removes a steering rule; nil when there is none of that name.
    package func unsteer(name: String, reason: String = "unsteered") -> Outcome? {
        lock.lock(); defer { lock.unlock() }
        guard steering.contains(where: { $0.name == name }) else { return nil }
        let next = steering.filter { $0.name != name }
        let outcome = applyLocked(text: configText, file: configPath, steering: next)
        if case .applied(let g, _) = outcome {
            steering = next
            logger.notice("steering rule '\(name)' removed (\(reason)): generation \(g) active")
        }
        return outcome
    }

    /// An NSH chain whose hops change under the same SPI: a packet at one of
    /// its functions while the path changes comes back with an SPI/SI that
    /// now names another position (RFC 8300 s2.3: an SPI names one path).
    package static func pathChanges(from old: CompiledConfig, to new: CompiledConfig) -> [String] {
        new.chains.compactMap { chain -> String? in
            guard chain.encapsulation == .nsh, let before = old.chains.first(where: { $0.spi == chain.spi && $0.encapsulation == .nsh }) else { return nil }
            let was = before.hops.map { old.functions[$0].name }, now = chain.hops.map { new.functions[$0].name }
            guard was != now else { return nil }
            return "chain '\(chain.name)' keeps SPI \(chain.spi) but its hops change (\(was.joined(separator: ", ")) -> \(now.joined(separator: ", "))): "
                + "packets at a function during the swap continue on the new path from their old position; give the new path a new SPI"
        }
    }

    /// Steering rules with an idle expiry that no packet matched for that
    /// long (their counts are carried across generations by name).
    private func idleExpired(_ now: Date) -> [String] {
        lock.lock(); defer { lock.unlock() }
        guard steering.contains(where: { $0.idleTimeout != nil }), now.timeIntervalSince(lastIdleCheck) >= Self.idleCheckInterval,
              let counters = try? driver.counters() else { return [] }
        lastIdleCheck = now
        let packets = counters.steeringRulePackets(driver.tables)
        var out: [String] = []
        for k in steering.indices {
            guard let idle = steering[k].idleTimeout else { continue }
            let n = packets[steering[k].name] ?? 0
            if n != steering[k].lastPackets {
                steering[k].lastPackets = n
                steering[k].lastActive = now
            } else if now.timeIntervalSince(steering[k].lastActive) >= idle {
                out.append(steering[k].name)
            }
        }
        return out
    }

    package static func ruleName(_ text: String) -> String? { SteeringRuleText.name(in: text) }

    /// Every daemon tick: a SIGHUP taken, expired steering rules removed, the dataplane's own tick.
    public func tick() {
        if ReloadSignal.take() {
            SystemdNotify.reloading()
            _ = reload()
            SystemdNotify.ready(status: "generation \(generation)")
        }
        let now = Date()
        let expired = { () -> [String] in
            lock.lock(); defer { lock.unlock() }
            return steering.filter { ($0.expires ?? .distantFuture) <= now }.map(\.name)
        }()
        for name in expired { _ = unsteer(name: name, reason: "expired") }
        for name in idleExpired(now) { _ = unsteer(name: name, reason: "idle") }
        lock.lock(); defer { lock.unlock() }
        driver.tick(logger: logger)
    }

    // MARK: live trace

    /// Follows the next `count` packets matching `filter` for at most
    /// `timeout` seconds. One trace at a time.
    package func trace(filter spec: String, count: Int, timeout: Double) throws -> [String: Any] {
        let tables: ForwardingTables = try {
            lock.lock(); defer { lock.unlock() }
            guard !tracing else { throw ControlError(409, "a live trace is already running on \(node); try again when it ends") }
            let tables = driver.tables
            let filter: TraceFilter
            do { filter = try TraceFilter.parse(spec, ports: tables.ports.map(\.name)) } catch {
                throw ControlError(400, "\(error)")
            }
            try driver.armTrace(filter, count: count)
            tracing = true
            return tables
        }()
        var records: [TraceRecord] = []
        let deadline = Date().addingTimeInterval(timeout)
        while records.count < count && Date() < deadline && !StopSignal.requested {
            usleep(20_000)
            lock.lock()
            records += driver.drainTrace()
            lock.unlock()
        }
        lock.lock()
        driver.disarmTrace()
        records += driver.drainTrace()
        tracing = false
        let dropped = driver.traceRecordsDropped
        let current = driver.tables
        lock.unlock()
        let rendered = records.prefix(count).map { TraceRendering.object($0, tables: $0.generation == current.generation ? current : tables) }
        return ["node": node, "records": rendered, "complete": records.count >= count, "trace_records_dropped": dropped]
    }
}

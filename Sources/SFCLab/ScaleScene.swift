// The scale scene (`sfc-lab demo --scene scale`, docs/DEMO.md): a load
// ramp of paced TCP flows (more flows, then fewer) from the lab's `from`
// host to `to`, through the scaled function, while the VNF manager
// (ScaleManager) samples the instances and scales out and back in. Every
// flow is checked end to end (SHA-256 of what it sent against what the
// server received). The report: the events, per-instance packet rates as a
// text chart and an SVG file, the reaction time of each scale-out, the CPU
// time of each instance's cgroup.
import Foundation
import SFCLabConfig

public struct ScaleSceneResult: Codable, Sendable {
    public struct Flow: Codable, Sendable { public var flow: Int; public var ok: Bool; public var sent: Int; public var error: String? }
    public struct Reaction: Codable, Sendable {
        public var instance: String
        /// The load step (ramp stage) before it -> decision -> in the forwarder -> first packet on it.
        public var aboveAt: Double?
        public var decidedAt: Double
        public var readyAt: Double?
        public var firstPacketAt: Double?
    }
    public var function: String
    public var stages: String
    public var flows: [Flow]
    public var events: [Timeline.Event]
    public var reactions: [Reaction]
    /// CPU seconds of each instance's cgroup while it ran; nil with `cgroups` saying why.
    public var cpuSeconds: [String: Double]
    public var cgroups: String
    public var peakInstances: Int
    public var finalInstances: Int
    public var chart: String
    public var svg: String
    public var checks: [LabReport.Check]
    public var ok: Bool { checks.allSatisfy(\.ok) }

    public var text: String {
        var out = "sfc-lab scene: scale (\(function)), load ramp \(stages) (parallel paced TCP flows)\n\n"
        out += chart + "\n"
        out += "chart as SVG: \(svg)\n\n"
        for r in reactions {
            func d(_ a: Double?, _ b: Double?) -> String { a.flatMap { a in b.map { String(format: "%.2f s", $0 - a) } } ?? "-" }
            out += "scale-out to \(r.instance): load step -> decision \(d(r.aboveAt, r.decidedAt)), "
                + "decision -> in the forwarder \(d(r.decidedAt, r.readyAt)), -> first packet \(d(r.readyAt, r.firstPacketAt))\n"
        }
        out += "CPU time of each instance's processes (cgroup v2 cpu.stat usage_usec): "
            + (cpuSeconds.isEmpty ? cgroups : cpuSeconds.sorted { $0.key < $1.key }.map { String(format: "%@ %.2f s", $0.key, $0.value) }
                .joined(separator: ", ")) + "\n"
        let good = flows.filter(\.ok).count
        out += "flows: \(good)/\(flows.count) completed with their SHA-256\n\nchecks:\n"
        for c in checks { out += "  [\(c.ok ? "ok" : "FAIL")] \(c.name): \(c.detail)\n" }
        out += ok ? "result: PASS\n" : "result: FAIL\n"
        return out
    }
}

struct ScaleScene {
    let plan: LabPlan
    let scale: LabDescription.Scale
    let dataplane: Dataplane
    let repositoryRoot: String
    let directory: String
    let reportDirectory: String
    let xdpPass: String?
    let register: (LabProcess) -> Void
    let log: @Sendable (String) -> Void
    /// The load: stages of flows, and how long one connection lasts before a new one
    /// replaces it (established ones keep their instance, new ones spread).
    var ramp = ScaleRamp.demo

    func run() throws -> ScaleSceneResult {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard let traffic = plan.lab.traffic, let from = plan.host(traffic.from), let to = plan.host(traffic.to) else {
            throw LabError("the scale scene needs lab traffic from/to")
        }
        let manager = ScaleManager(plan: plan, scale: scale, directory: directory, xdpPass: xdpPass, repositoryRoot: repositoryRoot,
                                   register: register, log: log)
        defer { manager.stopAll() }
        if let problem = manager.cgroupProblem { log("no CPU numbers: \(problem)") }
        for vnf in scale.vnfs.prefix(scale.min) { try manager.startInstance(vnf) }
        let control = directory + "/control.sock"
        var runner = ForwarderRunner(plan: plan, dataplane: dataplane, repositoryRoot: repositoryRoot, directory: directory, control: control)
        runner.config = try manager.writeConfig()
        log("starting sfc-forwarder (\(dataplane.rawValue)) with \(scale.min) instance(s) of \(scale.function)")
        let forwarder = try runner.start()
        register(forwarder)
        defer { _ = forwarder.stop(timeout: 30) }
        manager.control = control

        let script = directory + "/lab_ramp.py"
        try RampScript.source.write(toFile: script, atomically: true, encoding: .utf8)
        let server = to.host.address.address.description, port = 11112
        let listener = try LabProcess(name: "ramp-server", argv: Shell.inNamespace(to.namespace,
            [Locations.python, "-u", script, "server", server, "\(port)"]), directory: directory)
        register(listener)
        defer { listener.stop(timeout: 5) }
        try listener.waitFor("listening", timeout: 15)
        let stages = ramp.stages, stageText = ramp.text
        let client = try LabProcess(name: "ramp-client", argv: Shell.inNamespace(from.namespace,
            [Locations.python, "-u", script, "client", server, "\(port)", stageText, "30", "\(ramp.flowSeconds)"]), directory: directory)
        register(client)
        defer { client.stop(timeout: 5) }
        manager.event("load: \(stages[0].flows) flows")

        // Sample and act until the ramp ends, then until the function is back at `min` (bounded).
        let sample = Double(scale.sampleMilliseconds) / 1000
        let rampSeconds = stages.map(\.seconds).reduce(0, +)
        let deadline = Date().addingTimeInterval(rampSeconds + 60)
        var stagesSeen = 1, peak = scale.min
        var rampEnded: Date?
        while true {
            let tick = Date()
            try manager.step()
            peak = max(peak, manager.running.count)
            let lines = client.stdout.split(separator: "\n").filter { $0.hasPrefix("stage ") }
            while stagesSeen < lines.count {
                stagesSeen += 1
                let n = lines[stagesSeen - 1].split(separator: " ").last ?? "?"
                manager.event("load: \(n) flow\(n == "1" ? "" : "s")")
            }
            if !client.isRunning && rampEnded == nil { rampEnded = Date() }
            if let end = rampEnded, manager.running.count == scale.min || Date().timeIntervalSince(end) > 40 {
                // A few samples more of the quiet end.
                if Date().timeIntervalSince(end) > 1.5 { break }
            }
            if Date() > deadline { log("the scene's time is up (\(Int(rampSeconds + 60)) s): ending it"); break }
            let left = sample - Date().timeIntervalSince(tick)
            if left > 0 { Thread.sleep(forTimeInterval: left) }
        }
        guard client.waitForExit(timeout: 60) else { throw LabError("the ramp client did not end within 60 s:\n\(client.stderr.suffix(2000))") }
        let flows: [ScaleSceneResult.Flow] = client.stdout.split(separator: "\n").compactMap { line in
            guard let o = Shell.json(String(line)) as? [String: Any], let f = o["flow"] as? Int else { return nil }
            return .init(flow: f, ok: o["ok"] as? Bool == true, sent: o["sent"] as? Int ?? 0, error: o["error"] as? String)
        }

        // Reaction of each scale-out: from the load step before it (the ramp's stage) to the decision,
        // to the reload done, to the first packet counted on the new instance.
        var reactions: [ScaleSceneResult.Reaction] = []
        for (t, action) in manager.actions {
            guard case .start(let vnf, let instance, _) = action else { continue }
            let ready = manager.events.first { $0.label.hasPrefix("scale-out: \(instance)") && abs($0.t - t) < 0.001 }
                .flatMap { e in Double(e.label.components(separatedBy: "ready in ").last?.split(separator: " ").first ?? "").map { e.t + $0 } }
            let first = zip(manager.samples[vnf] ?? [], (manager.samples[vnf] ?? []).dropFirst())
                .first { $0.0.t >= t && $0.1.packets > $0.0.packets }?.1.t
            let step = manager.events.last { $0.t <= t && $0.label.hasPrefix("load:") }?.t
            reactions.append(.init(instance: instance, aboveAt: step, decidedAt: t, readyAt: ready, firstPacketAt: first))
        }
        var cpu: [String: Double] = [:]
        if manager.cgroupProblem == nil {
            for vnf in manager.samples.keys {
                if let c = manager.cpuSeconds(vnf) { cpu[scale.instances[scale.vnfs.firstIndex(of: vnf) ?? 0]] = c }
            }
        }
        let timeline = manager.timeline(title: "packets per second per instance of \(scale.function) (forwarder counters)")
        try FileManager.default.createDirectory(atPath: reportDirectory, withIntermediateDirectories: true)
        let svg = reportDirectory + "/scale-\(dataplane.rawValue).svg"
        try timeline.svg().write(toFile: svg, atomically: true, encoding: .utf8)
        let starts = manager.actions.filter { if case .start = $0.action { return true }; return false }.count
        let removes = manager.actions.filter { if case .remove = $0.action { return true }; return false }.count
        let good = flows.filter(\.ok)
        let expected = client.stdout.split(separator: "\n").last { $0.hasPrefix("done ") }.flatMap { Int($0.dropFirst(5)) } ?? -1
        let checks: [LabReport.Check] = [
            // A loaded machine can dip below the scale-in threshold mid-ramp and
            // scale out again: more starts than the ramp needs are not a failure.
            .init(name: "scale: the ramp scaled out to \(scale.max) instances", ok: peak == scale.max && starts >= scale.max - scale.min,
                  detail: "\(starts) scale-out(s), \(peak) instances at most"),
            .init(name: "scale: and back in to \(scale.min) (drained first)", ok: manager.running.count == scale.min && removes == starts,
                  detail: "\(removes) scale-in(s), \(manager.running.count) running at the end"),
            .init(name: "scale: every flow completed with its checksum", ok: flows.count == expected && good.count == flows.count,
                  detail: "\(good.count)/\(flows.count) of \(expected) started"
                    + (good.count == flows.count ? "" : "; failed: \(flows.filter { !$0.ok }.map { "flow \($0.flow): \($0.error ?? "?")" })")),
            .init(name: "scale: each new instance carried traffic", ok: reactions.allSatisfy { $0.firstPacketAt != nil },
                  detail: reactions.map { "\($0.instance) " + ($0.firstPacketAt == nil ? "none" : "yes") }.joined(separator: ", ")),
        ]
        return ScaleSceneResult(function: scale.function, stages: stageText, flows: flows, events: manager.events, reactions: reactions,
                                cpuSeconds: cpu, cgroups: manager.cgroupProblem.map { "not measured: \($0)" } ?? "cgroup v2",
                                peakInstances: peak, finalInstances: manager.running.count, chart: timeline.text(),
                                svg: svg, checks: checks)
    }
}

/// The ramp's traffic (python3, stdlib only), written into the lab's directory when the scene runs.
enum RampScript {
    static let source = #"""
        #!/usr/bin/python3
        """Paced TCP flows in stages, each checked end to end (sfc-lab's scale scene).

          lab_ramp.py server ADDRESS PORT
              One thread per connection: reads to EOF hashing, answers one JSON line
              {"received", "sha256", "max_gap_ms"} (the longest wait between two reads) and closes. Prints "listening" once bound.
          lab_ramp.py client ADDRESS PORT STAGES [STALL [LIFE]]
              STAGES: FLOWSxSECONDS[,...] e.g. 2x5s,8x7s: that many flows at once. A flow
              sends 2 KiB every 20 ms (seeded by its number) for LIFE seconds or until
              its stage has fewer flows, then shuts its side down and checks the server's
              digest; an ended flow is replaced by a new connection while its stage lasts.
              Prints "stage N FLOWS" at each stage, one JSON line per flow at its end and
              "done STARTED". Optional: STALL (seconds without progress before a flow
              gives up, default 30), LIFE (default: the stage's length).
        """
        import hashlib, json, random, socket, sys, threading, time

        lock = threading.Lock()

        def say(line):
            with lock:
                print(line, flush=True)

        def serve_one(conn):
            conn.settimeout(120)
            digest, received, gap, last = hashlib.sha256(), 0, 0.0, None
            try:
                while True:
                    chunk = conn.recv(65536)
                    now = time.monotonic()
                    if last is not None:
                        gap = max(gap, now - last)
                    last = now
                    if not chunk:
                        break
                    digest.update(chunk)
                    received += len(chunk)
                conn.sendall(json.dumps({"received": received, "sha256": digest.hexdigest(),
                                         "max_gap_ms": round(gap * 1000, 1)}).encode() + b"\n")
            except OSError:
                pass
            finally:
                conn.close()

        def server(address, port):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((address, port))
            s.listen(128)
            say("listening")
            while True:
                conn, _ = s.accept()
                threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

        STALL = 30.0

        def flow(i, address, port, stop, life):
            rng, digest, sent = random.Random(i), hashlib.sha256(), 0
            result = {"flow": i, "ok": False, "sent": 0}
            end = time.monotonic() + life
            try:
                s = socket.create_connection((address, port), timeout=STALL)
                s.settimeout(STALL)
                while not stop.is_set() and time.monotonic() < end:
                    chunk = rng.randbytes(2048)
                    s.sendall(chunk)
                    digest.update(chunk)
                    sent += len(chunk)
                    stop.wait(0.02)
                s.shutdown(socket.SHUT_WR)
                answer = b""
                while not answer.endswith(b"\n"):
                    part = s.recv(4096)
                    if not part:
                        break
                    answer += part
                s.close()
                reply = json.loads(answer.decode())
                result.update(sent=sent, ok=reply["received"] == sent and reply["sha256"] == digest.hexdigest(),
                              server_max_gap_ms=reply.get("max_gap_ms"))
                if not result["ok"]:
                    result["error"] = "server got %d bytes, digest %s" % (reply["received"], reply["sha256"][:12])
            except Exception as error:
                result.update(sent=sent, error=repr(error))
            say(json.dumps(result))

        def client(address, port, stages, life):
            plan = [(int(f), float(s.rstrip("s"))) for f, s in (x.split("x") for x in stages.split(","))]
            slots, threads, started = {}, [], 0
            for n, (flows, seconds) in enumerate(plan):
                say("stage %d %d" % (n + 1, flows))
                end = time.monotonic() + seconds
                while True:
                    for i in list(slots):
                        if i >= flows:
                            slots.pop(i)[0].set()
                    for i in range(flows):
                        if i not in slots or not slots[i][1].is_alive():
                            stop = threading.Event()
                            thread = threading.Thread(target=flow, args=(started, address, port, stop, life))
                            thread.start()
                            threads.append(thread)
                            slots[i] = (stop, thread)
                            started += 1
                    if time.monotonic() >= end:
                        break
                    time.sleep(0.05)
            for stop, thread in slots.values():
                stop.set()
            for thread in threads:
                thread.join(60)
            say("done %d" % started)

        if __name__ == "__main__":
            if sys.argv[1] == "server":
                server(sys.argv[2], int(sys.argv[3]))
            else:
                if len(sys.argv) > 5:
                    STALL = float(sys.argv[5])
                client(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[6]) if len(sys.argv) > 6 else 1e9)

        """#
}

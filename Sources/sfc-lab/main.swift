// sfc-lab: a chain file's `lab:` section as a running lab in network
// namespaces (docs/DEMO.md). `demo` builds it, runs real traffic through
// the forwarder and its VNFs, prints the report and tears everything down,
// also on Ctrl-C or a failure; `up` leaves it running; `down` removes it,
// including what a killed run left.
import ArgumentParser
import Foundation
import SFCLab

extension Dataplane: ExpressibleByArgument {}

/// A scene or demo that failed because SIGINT / SIGTERM is tearing the lab
/// down: finish the teardown and exit as the signal says.
func exitIfInterrupted(_ lab: Lab) {
    guard let sig = Signals.received else { return }
    lab.tearDown()
    Foundation.exit(128 + sig)
}

func say(_ message: String) {
    FileHandle.standardError.write(Data(("sfc-lab: " + message + "\n").utf8))
}

struct SFCLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sfc-lab",
        abstract: "Build a chain file's lab (namespaces, veths, VNFs), run traffic through sfc-forwarder, report.",
        subcommands: [Demo.self, Up.self, Down.self, Soak.self])
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Up, start the forwarder, send ping/TCP/HTTP/blocked probes, stop, print the report, tear down.")
    @Option(help: "Chain file with a lab: section.") var config: String
    @Option(help: "xdp | dpdk") var dataplane: Dataplane = .xdp
    @Flag(help: "Print the report as one JSON object.") var json = false
    @Option(help: "main (the lab's traffic and report) | scale (a load ramp, the VNF manager scales the file's `scale:` function) | failover (the file's firewall pair, the active one killed mid-transfer, with and without conntrackd)")
    var scene: String = "main"
    @Option(help: "Where a scene writes its SVG chart.") var reportDir: String = "lab-report"
    @Option(help: "The scale scene's load: stages of parallel TCP flows, FLOWSxSECONDSs separated by commas.")
    var ramp: String = ScaleRamp.demo.text
    @Option(help: "The scale scene: seconds one connection lasts before a new one replaces it.")
    var flowSeconds: Double = ScaleRamp.demo.flowSeconds

    func run() throws {
        guard ["main", "scale", "failover"].contains(scene) else {
            throw ValidationError("unknown scene '\(scene)': main, scale or failover")
        }
        let load: ScaleRamp
        do { load = try ScaleRamp(parsing: ramp, flowSeconds: flowSeconds) } catch { throw ValidationError("\(error)") }
        guard getuid() == 0 else { throw LabError("sfc-lab needs root (namespaces, XDP, nftables)") }
        let lab = try Lab(chainFile: config, dataplane: dataplane, log: say)
        Signals.onInterrupt { sig in
            say("signal \(sig): tearing the lab down")
            lab.tearDown()
            Foundation.exit(128 + sig)
        }
        if scene == "failover" {
            try Self.runScene(lab, { try lab.failoverScene(reportDirectory: reportDir) }, ok: \.ok, text: \.text, json: json)
            return
        }
        if scene == "scale" {
            try Self.runScene(lab, { try lab.scaleScene(reportDirectory: reportDir, ramp: load) }, ok: \.ok, text: \.text, json: json)
            return
        }
        let report: LabReport
        do {
            report = try lab.demo()
        } catch {
            exitIfInterrupted(lab)
            say("failed: \(error)")
            lab.tearDown()
            throw ExitCode(2)
        }
        lab.tearDown()
        let left = Lab.leftovers(lab.plan)
        if !left.isEmpty { say("left behind: \(left.joined(separator: ", "))") }
        print(json ? report.json : report.text, terminator: json ? "\n" : "")
        if !report.ok || !left.isEmpty { throw ExitCode(1) }
    }

    /// One scene: run it, tear the lab down, print its result (text, or
    /// JSON with --json). Exit 2 when it could not run, 1 when a check
    /// failed or the lab left something behind.
    static func runScene<R: Encodable>(_ lab: Lab, _ body: () throws -> R, ok: (R) -> Bool, text: (R) -> String,
                                       json: Bool = false) throws {
        let result: R
        do {
            result = try body()
        } catch {
            exitIfInterrupted(lab)
            say("failed: \(error)")
            lab.tearDown()
            throw ExitCode(2)
        }
        lab.tearDown()
        let left = Lab.leftovers(lab.plan)
        if !left.isEmpty { say("left behind: \(left.joined(separator: ", "))") }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(text(result), terminator: "")
        }
        if !ok(result) || !left.isEmpty { throw ExitCode(1) }
    }
}

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the lab and start the forwarder; leave both running (`sfc-lab down` removes them).")
    @Option(help: "Chain file with a lab: section.") var config: String
    @Option(help: "xdp | dpdk") var dataplane: Dataplane = .xdp

    func run() throws {
        guard getuid() == 0 else { throw LabError("sfc-lab needs root (namespaces, XDP, nftables)") }
        let lab = try Lab(chainFile: config, dataplane: dataplane, log: say)
        Signals.onInterrupt { sig in
            lab.tearDown()
            Foundation.exit(128 + sig)
        }
        do {
            try lab.up()
            let (pid, log) = try lab.startDetached()
            try? FileManager.default.removeItem(atPath: lab.directory)
            print("lab \(lab.plan.node) is up: sfc-forwarder pid \(pid) (\(dataplane.rawValue)), log \(log)")
            print("namespaces: \(Topology.existing(lab.plan).joined(separator: " "))")
            if let t = lab.plan.lab.traffic, let to = lab.plan.host(t.to), let from = lab.plan.host(t.from) {
                print("try: ip netns exec \(from.namespace) ping -c 3 \(to.host.address.address)")
            }
            print("remove it with: sfc-lab down --config \(config)")
        } catch {
            exitIfInterrupted(lab)
            say("failed: \(error)")
            lab.tearDown()
            throw ExitCode(2)
        }
    }
}

struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop what runs in the lab's namespaces, delete them and the forwarder's pins (also after a killed run).")
    @Option(help: "Chain file with a lab: section.") var config: String
    @Option(help: "The namespaces' prefix (sfc-soak- for a soak's lab).") var prefix: String = LabPlan.namespacePrefix

    func run() throws {
        guard getuid() == 0 else { throw LabError("sfc-lab needs root") }
        let plan = try LabPlan.load(chainFile: config, prefix: prefix)
        let removed = Topology.down(plan)
        Lab.removeFiles(node: plan.node)
        print(removed.isEmpty ? "nothing of lab \(plan.node) was left" : "removed: \(removed.joined(separator: ", "))")
        let left = Lab.leftovers(plan)
        if !left.isEmpty {
            say("could not remove: \(left.joined(separator: ", "))")
            throw ExitCode(1)
        }
    }
}

struct Soak: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The forwarder for minutes under steady traffic, reloads, queries and instance outages; a table a minute; exit 1 if a criterion failed.",
        discussion: "Namespaces sfc-soak-*. Exit 0: every criterion held; 1: one failed; 2: the soak could not run. See README \"Soak\".")
    @Option(help: "Chain file with a lab: section, a probed function with two instances or more and lab traffic.")
    var config: String = "Chains/soak-lab.yaml"
    @Option(help: "xdp | dpdk") var dataplane: Dataplane = .xdp
    @Option(help: "Minutes (at least 3: the warm-up, the baseline, one to compare).") var minutes: Int = SoakOptions.defaultMinutes
    @Option(help: "Datagrams a second from the client; the server echoes each.") var pps: Double = 200
    @Option(help: "Parallel UDP flows.") var flows: Int = 8
    @Option(help: "Seconds a flow lives before a new one replaces it.") var flowSeconds: Double = 10
    @Option(help: "Seconds between two reloads.") var reloadSeconds: Double = 1
    @Option(help: "Every this many seconds an instance loses its links, for half of it.") var outageSeconds: Double = 20
    @Option(help: "Seconds between two rounds of queries (status, counters, /metrics).") var querySeconds: Double = 0.5
    @Option(help: .hidden) var minuteSeconds: Double = 60
    @Flag(help: "Print the result as JSON instead of text.") var json = false
    @Option(help: "Also write the result as JSON to this file (make soak: bench/results/soak-DATAPLANE.json).") var jsonOut: String?

    func run() throws {
        let options: SoakOptions
        do {
            options = try SoakOptions(minutes: minutes, pps: pps, flows: flows, flowSeconds: flowSeconds, reloadSeconds: reloadSeconds,
                                      outageSeconds: outageSeconds, querySeconds: querySeconds, minuteSeconds: minuteSeconds)
        } catch { throw ValidationError("\(error)") }
        guard getuid() == 0 else { throw LabError("sfc-lab needs root (namespaces, XDP, nftables)") }
        let lab = try Lab(chainFile: config, dataplane: dataplane, namespacePrefix: "sfc-soak-", log: say)
        Signals.onInterrupt { sig in
            say("signal \(sig): tearing the lab down")
            lab.tearDown()
            Foundation.exit(128 + sig)
        }
        try Demo.runScene(lab, {
            let result = try lab.soak(options)
            if let jsonOut {
                let directory = (jsonOut as NSString).deletingLastPathComponent
                if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
                try result.json.write(toFile: jsonOut, atomically: true, encoding: .utf8)
                say("soak: the result as JSON in \(jsonOut)")
            }
            return result
        }, ok: \.ok, text: \.text, json: json)
    }
}

SFCLabCommand.main()

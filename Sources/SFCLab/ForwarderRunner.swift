// sfc-forwarder in the lab's forwarder namespace. Entered with
// `nsenter --net`, not `ip netns exec`: the latter gives the process a
// mount namespace of its own with a fresh /sys, whose /sys/fs/bpf is not
// the machine's bpffs, so the XDP pins would not be where `down` looks.
import Foundation

public enum Dataplane: String, CaseIterable, Sendable {
    case xdp, dpdk
}

public struct ForwarderRunner {
    public let plan: LabPlan
    public let dataplane: Dataplane
    public let repositoryRoot: String
    public let directory: String
    /// The control socket (--control); nil: the node's default.
    public var control: String? = nil
    /// The chain file to run instead of the plan's (the VNF manager's running file).
    public var config: String? = nil
    /// --metrics ADDRESS:PORT (in the forwarder's namespace); nil: no metrics listener.
    public var metrics: String? = nil

    public var argv: [String] {
        get throws {
            let chain = URL(fileURLWithPath: config ?? plan.chainFile, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                .standardizedFileURL.path
            var argv = ["nsenter", "--net=/run/netns/" + plan.sffNamespace, try Locations.sibling("sfc-forwarder"), "run",
                        "--config", chain, "--dataplane", dataplane.rawValue, "--json", "--verbose"]
            if let control { argv += ["--control", control] }
            if let metrics { argv += ["--metrics", metrics] }
            if dataplane == .dpdk {
                argv += ["--lcores", String(CPUAffinity.allowed().last ?? 0)]
                // In the lab every port is a veth: net_af_packet on its forwarder end,
                // whatever devices the file's dpdk: section names for real hardware.
                for (i, veth) in plan.veths.enumerated() {
                    argv += ["--device", "\(veth.port)=net_af_packet\(i),iface=\(veth.sffInterface)"]
                }
            }
            return argv
        }
    }

    /// Starts the forwarder and waits until it says it forwards.
    public func start() throws -> LabProcess {
        let p = try LabProcess(name: "sfc-forwarder", argv: try argv, directory: directory, workingDirectory: repositoryRoot)
        do {
            try p.waitFor("forwarding on", inStderr: true, timeout: dataplane == .dpdk ? 90 : 45)
        } catch {
            p.stop(timeout: 20)
            throw error
        }
        return p
    }

    /// SIGTERM; the forwarder detaches (XDP), unpins and prints its counters (--json).
    public func stop(_ p: LabProcess) throws -> [String: Any] {
        let clean = p.stop(timeout: 30)
        guard clean, p.status == 0 else {
            throw LabError("sfc-forwarder did not stop cleanly (status \(p.status)):\n\(p.stderr.suffix(3000))")
        }
        guard let counters = Shell.json(p.stdout) as? [String: Any] else {
            throw LabError("sfc-forwarder printed no JSON counters:\n\(p.stdout.suffix(1000))\(p.stderr.suffix(2000))")
        }
        return counters
    }
}

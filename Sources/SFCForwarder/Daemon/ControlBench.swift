// sfc-forwarder bench-control (make bench): how long the control plane
// takes to apply a steering rule and a reload, at a given number of
// classifier rules, through the daemon itself (compile with the steering
// rules, validate, shadowing, build the tables): the reference dataplane
// for the cost every dataplane pays, and XDP in test mode (real BPF maps
// filled and swapped) for the file as given. One JSON object.
import Foundation
import Logging
import SFCDaemon
import SFCConfig
import SFCCore
import SFCRuntime
import SFCXDP

public enum ControlBench {
    public static func run(rules counts: [Int], repeats: Int, xdpConfig: String?, bpfObject: String?) -> CommandResult {
        var logger = Logger(label: "bench-control")
        logger.logLevel = .error
        var rows: [[String: Any]] = []
        for n in counts {
            let text = GeneratedChainFile.withRules(n)
            let file = NSTemporaryDirectory() + "sfc-bench-control-\(getpid())-\(n).yaml"
            defer { unlink(file) }
            guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)) else {
                return CommandResult(stderr: "bench-control: cannot write \(file)", exitCode: 1)
            }
            guard let config = ChainFile.parse(text: text, file: file).config else {
                return CommandResult(stderr: "bench-control: the generated file with \(n) rules does not compile", exitCode: 1)
            }
            let daemon = NodeDaemon(configPath: file, text: text, config: config, driver: ReferenceDriver(config), logger: logger)
            var steer: [Double] = [], unsteer: [Double] = [], reload: [Double] = []
            for k in 0..<repeats {
                let rule = "{name: cam-\(k), priority: 0, chain: c1, protocol: udp, source: 192.0.2.\(k % 250 + 1), destination-port: 5004}"
                guard case .applied(_, let s) = daemon.steer(rule: rule, duration: nil) else {
                    return CommandResult(stderr: "bench-control: steering was refused at \(n) rules", exitCode: 1)
                }
                steer.append(s)
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = daemon.unsteer(name: "cam-\(k)")
                unsteer.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                guard case .applied(_, let r) = daemon.reload() else {
                    return CommandResult(stderr: "bench-control: reload failed at \(n) rules", exitCode: 1)
                }
                reload.append(r)
            }
            rows.append(["dataplane": "reference", "rules": config.rules.count, "steer_seconds": median(steer),
                         "unsteer_seconds": median(unsteer), "reload_seconds": median(reload), "repeats": repeats])
        }
        if let xdpConfig {
            do { rows.append(try xdpRow(xdpConfig, bpfObject: bpfObject, repeats: repeats, logger: logger)) } catch {
                return CommandResult(stderr: "bench-control: xdp: \(error)", exitCode: 1)
            }
        }
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        let object: [String: Any] = ["benchmark": "control-plane apply latency (median)", "build": build, "rows": rows]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return CommandResult(stdout: String(decoding: data, as: UTF8.self) + "\n")
    }

    /// Reload latency with the XDP dataplane in test mode: new inner maps filled and swapped in.
    static func xdpRow(_ path: String, bpfObject: String?, repeats: Int, logger: Logger) throws -> [String: Any] {
        let (loaded, diagnostics) = ChainFile.load(path: path)
        guard let config = loaded else { throw RunError(diagnostics.map(\.rendered).joined(separator: "\n")) }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: bpfObject), logger: logger)
        let daemon = NodeDaemon(configPath: path, text: text, config: config, driver: XDPDriver(dataplane), logger: logger)
        var reload: [Double] = []
        for _ in 0..<repeats {
            guard case .applied(_, let r) = daemon.reload() else { throw RunError("reload failed") }
            reload.append(r)
        }
        return ["dataplane": "xdp (BPF maps, test mode)", "config": path, "rules": config.rules.count,
                "reload_seconds": median(reload), "repeats": repeats]
    }

    static func median(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.sorted()[v.count / 2] }
}

// What `run` starts beside the dataplane: the daemon, its control socket
// and (with --metrics) the Prometheus listener; and what it stops.
import Foundation
import Logging
import SFCDaemon
import SFCControl
import SFCCore
import SFCRuntime

final class DaemonHost {
    let daemon: NodeDaemon
    let control: ControlServer
    let metrics: ControlServer?

    init(options: RunOptions, config: CompiledConfig, driver: DataplaneDriver, logger: Logger) throws {
        let text = (try? String(contentsOfFile: options.config, encoding: .utf8)) ?? ""
        // Absolute: a reload re-reads it whatever directory the operator is in.
        let path = URL(fileURLWithPath: options.config).standardizedFileURL.path
        daemon = NodeDaemon(configPath: path, text: text, config: config, driver: driver, logger: logger)
        let socket = options.control ?? "/run/sfc/\(config.node.name).sock"
        do {
            control = try ControlServer(address: .unix(path: socket, group: options.controlGroup),
                                        router: ControlRoutes.router(daemon), logger: logger)
        } catch {
            throw RunError("control socket \(socket): \(error)")
        }
        daemon.controlPath = socket
        let prober = Thread { [daemon] in daemon.runProber() }
        prober.name = "sfc-prober"
        prober.start()
        logger.info("control API on \(socket)\(options.controlGroup.map { " (group \($0), mode 0660)" } ?? " (mode 0600)")")
        if let address = options.metrics {
            do {
                let (host, port) = try Self.parse(address)
                metrics = try ControlServer(address: .tcp(host: host, port: port), router: ControlRoutes.metricsRouter(daemon),
                                            limits: .metrics, logger: logger)
                if !Self.isLoopback(host) {
                    logger.warning("--metrics \(address) is not a loopback address: anyone who can reach it reads the node's port, chain, function and instance names and every counter, with no authentication (docs/SECURITY.md section 5)")
                }
            } catch {
                control.close()
                throw RunError("--metrics \(address): \(error)")
            }
            daemon.metricsAddress = address
            logger.info("metrics on http://\(address)/metrics")
        } else {
            metrics = nil
        }
        let ledgers = [("control", control.ledger)] + (metrics.map { [("metrics", $0.ledger)] } ?? [])
        daemon.lock.withLock { daemon.listeners = ledgers }
    }

    /// 127.0.0.0/8, ::1 or localhost: only this host's processes reach it.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// HOST:PORT or [IPv6]:PORT.
    static func parse(_ address: String) throws -> (String, Int) {
        var host: Substring, port: Substring
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            host = address[address.index(after: address.startIndex)..<close]
            port = address[address.index(after: close)...].dropFirst()
            guard address[address.index(after: close)...].hasPrefix(":") else { throw RunError("expected [ADDRESS]:PORT") }
        } else {
            guard let colon = address.lastIndex(of: ":") else { throw RunError("expected ADDRESS:PORT, e.g. 127.0.0.1:9469") }
            host = address[..<colon]; port = address[address.index(after: colon)...]
        }
        guard !host.isEmpty, let p = Int(port), (0...65535).contains(p) else { throw RunError("expected ADDRESS:PORT, e.g. 127.0.0.1:9469") }
        return (String(host), p)
    }

    func close() {
        metrics?.close()
        control.close()
    }
}

struct RunError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

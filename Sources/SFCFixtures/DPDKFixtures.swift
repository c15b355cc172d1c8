// The DPDK fixture harness: each logical port is a ring port; a case's
// packet is put on its ingress port's RX ring, one iteration of the
// forwarding loop runs on the main lcore (rx_burst, pipeline, tx_burst), and
// whatever the TX rings hold is the result. Starts EAL: once per process.
import Logging
import SFCConfig
import SFCCore
import SFCDPDK

public enum DPDKFixtures {
    public static func run(_ files: [(String, FixtureFile)], repositoryRoot: String, logger: Logger) throws -> [FixtureOutcome] {
        let dpdk = DPDKConfig(lcores: [0], hugepages: .auto, memoryMB: 256, ealArguments: ["--log-level=notice", "--no-telemetry"], ports: [])
        let plan = DPDKRuntime.plan(descriptors: 2048, lcores: 1, ports: 8,
                                    maxFrame: PacketBatch.defaultSlotSize - PacketBatch.defaultHeadroom)
        let runtime = try DPDKRuntime(config: dpdk, plan: plan, logger: logger)
        defer { runtime.shutdown() }
        var results: [FixtureOutcome] = []
        for (f, (path, file)) in files.enumerated() {
            let configPath = file.config.hasPrefix("/") ? file.config : repositoryRoot + "/" + file.config
            let (config, diagnostics) = ChainFile.load(path: configPath)
            guard let config else {
                results.append(FixtureOutcome(file: path, cases: file.cases.count, mismatches: [
                    FixtureMismatch(file: path, index: -1, caseDescription: "load \(file.config)", problems: diagnostics.map { "\($0)" })]))
                continue
            }
            let tables = ForwardingTables(config)
            let rings = try config.ports.indices.map { try RingPort(name: "sfcfx\(f)p\($0)") }
            let dataplane = try DPDKDataplane(runtime: runtime, tables: tables,
                                              devices: rings.map { DPDKPortConfig(device: $0.deviceName, rxDescriptors: 64, txDescriptors: 64) },
                                              lcores: [0], logger: logger)
            let worker = dataplane.workers[0]
            let names = config.ports.map(\.name)
            var mismatches = FixtureFile.compare(file, name: path, ports: names) { bytes, ingress in
                let before = worker.pipeline.counters.drops
                guard rings[ingress].inject(bytes, pool: runtime.pool) else {
                    return FixtureResult(verdict: "not-injected", egressPort: nil, output: [], dropReason: nil)
                }
                worker.poll()
                let sent = rings.enumerated().flatMap { p, ring in ring.drain().map { (p, $0) } }
                if sent.count == 1 {
                    return FixtureResult(verdict: "forward", egressPort: names[sent[0].0], output: sent[0].1, dropReason: nil)
                }
                if sent.count > 1 {
                    return FixtureResult(verdict: "forward x\(sent.count)", egressPort: sent.map { names[$0.0] }.joined(separator: ","),
                                         output: sent[0].1, dropReason: nil)
                }
                let after = worker.pipeline.counters.drops
                let reason = after.indices.first { after[$0] != before[$0] }.flatMap { DropReason(rawValue: UInt8($0)) }
                return FixtureResult(verdict: "drop", egressPort: nil, output: [], dropReason: reason?.name)
            }
            dataplane.close()
            for ring in rings { ring.free() }
            if runtime.pool.inUse != 0 {
                mismatches.append(FixtureMismatch(file: path, index: -1, caseDescription: "mbuf accounting",
                                                  problems: ["\(runtime.pool.inUse) mbufs still in use after the file: a leak"]))
            }
            results.append(FixtureOutcome(file: path, cases: file.cases.count, mismatches: mismatches))
        }
        return results
    }
}

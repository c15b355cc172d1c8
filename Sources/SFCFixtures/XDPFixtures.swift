// The XDP fixture harness (fixtures --dataplane xdp): every case through
// the XDP program with BPF_PROG_RUN, one loaded program per fixture file,
// cases in order (the End.AD cache carries from case to case as in the
// reference).
import Foundation
import Logging
import SFCConfig
import SFCCore
import SFCXDP

public enum XDPFixtures {
    public static func run(_ files: [(String, FixtureFile)], repositoryRoot: String, objectPath: String? = nil,
                           logger: Logger) throws -> [FixtureOutcome] {
        var results: [FixtureOutcome] = []
        for (path, file) in files {
            let configPath = file.config.hasPrefix("/") ? file.config : repositoryRoot + "/" + file.config
            let (loaded, diagnostics) = ChainFile.load(path: configPath)
            guard let config = loaded else {
                results.append(FixtureOutcome(file: path, cases: file.cases.count, mismatches: [
                    FixtureMismatch(file: path, index: -1, caseDescription: "load \(file.config)", problems: diagnostics.map { "\($0)" })]))
                continue
            }
            let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: objectPath), logger: logger)
            let names = config.ports.map(\.name)
            let mismatches = FixtureFile.compare(file, name: path, ports: names) { bytes, ingress in
                do {
                    return fixtureResult(try dataplane.run(bytes, ingress: ingress), ingress: ingress, ports: names)
                } catch let error as XDPError where error.kind == .frameTooShort {
                    // The kernel refuses BPF_PROG_RUN below an Ethernet header; no
                    // driver hands XDP such a runt, and the reference calls it truncated.
                    return FixtureResult(verdict: "drop", dropReason: DropReason.truncated.name)
                } catch {
                    return FixtureResult(verdict: "error: \(error)")
                }
            }
            results.append(FixtureOutcome(file: path, cases: file.cases.count, mismatches: mismatches))
        }
        return results
    }

    /// A run in the fixtures' terms (see XDPRunResult.outcome).
    public static func fixtureResult(_ r: XDPRunResult, ingress: Int, ports: [String]) -> FixtureResult {
        func name(_ p: Int) -> String { p >= 0 && p < ports.count ? ports[p] : "#\(p)" }
        switch r.outcome(ingress: ingress) {
        case .forward(let port):
            return FixtureResult(verdict: "forward", egressPort: name(port), output: r.output)
        case .drop(let reason):
            return FixtureResult(verdict: "drop", dropReason: reason?.name ?? (r.reasonCode == 0 ? nil : "code \(r.reasonCode)"))
        case .passed:
            return FixtureResult(verdict: "pass (XDP_PASS without a reason)")
        case .consumed:
            return FixtureResult(verdict: "consumed", egressPort: nil, output: [], dropReason: nil)
        case .aborted:
            var detail = r.metadataIntact ? "" : ", metadata overwritten"
            if r.action == .aborted && r.egressPort != nil && r.reasonCode == 0 {
                // The usual cause, spelled out for whoever debugs the program.
                detail += "; bpf_redirect_map aborts when its flags' fallback action is above XDP_TX (e.g. XDP_REDIRECT). "
                    + "In test mode every port's sfc_tx_ports entry is lo, so a plain bpf_redirect_map(&sfc_tx_ports, port, 0) returns XDP_REDIRECT"
            }
            return FixtureResult(verdict: "\(r.action?.description ?? "action \(r.rawAction)") (egress \(r.egressPort.map(name) ?? "none"), "
                                 + "reason \(r.reasonCode)\(detail))")
        }
    }
}

// chain-trace check: validate chain files. Exit 0 with a one-line summary per
// file (warnings on stderr), or 1 with every diagnostic on stderr. --json
// prints the compiled view of each valid file, one JSON object per line.
import Foundation
import SFCConfig
import SFCCore
import SFCLabConfig
import SFCRuntime

public enum CheckCommand {
    public static func run(files: [String], json: Bool) -> CommandResult {
        guard !files.isEmpty else { return CommandResult(stderr: "check: no chain file given\n", exitCode: 2) }
        var out = ""
        var err = ""
        var failed = false
        for file in files {
            // Strict: a chain that drops every packet (TTL too small) fails the check. Lab-aware, so
            // a lab: section is checked too (the forwarder skips it).
            let (config, _, diagnostics) = LabChainFile.load(path: file, options: .strict)
            for diagnostic in diagnostics { err += diagnostic.rendered + "\n" }
            guard let config = config else {
                failed = true
                continue
            }
            out += (json ? jsonLine(file: file, config: config) : summary(file: file, config: config)) + "\n"
        }
        return CommandResult(stdout: out, stderr: err, exitCode: failed ? 1 : 0)
    }

    static func summary(file: String, config: CompiledConfig) -> String {
        func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return "\(Diagnostic.escaped(file)): ok — node \(config.node.name), \(count(config.ports.count, "port")), "
            + "\(count(config.functions.count, "function")), \(count(config.chains.count, "chain")), "
            + "\(count(config.rules.count, "rule"))"
    }

    static func jsonLine(file: String, config: CompiledConfig) -> String {
        let object = CompiledView(file: file, config: config).object
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
              let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }
}

/// The compiled config as JSON-ready dictionaries: names instead of indices.
struct CompiledView {
    let file: String
    let config: CompiledConfig

    var object: [String: Any] {
        [
            "file": file,
            "node": config.node.name,
            "chains": config.chains.map(chain),
            "functions": config.functions.map(function),
            "ports": config.ports.map { ["name": $0.name, "mac": $0.mac.description, "mtu": $0.mtu, "trusted": $0.trusted] },
            "rules": config.rules.count,
        ]
    }

    private func portName(_ index: PortIndex) -> String {
        config.ports.indices.contains(index) ? config.ports[index].name : "#\(index)"
    }

    private func adjacency(_ a: Adjacency) -> [String: Any] {
        var out: [String: Any] = ["port": portName(a.port), "mac": a.mac.description]
        if a.vlan != 0 { out["vlan"] = Int(a.vlan) }
        return out
    }

    private func chain(_ c: ChainConfig) -> [String: Any] {
        var out: [String: Any] = [
            "name": c.name, "spi": Int(c.spi), "encapsulation": c.encapsulation.rawValue,
            "hops": c.hops.map { config.functions.indices.contains($0) ? config.functions[$0].name : "#\($0)" },
            "start_si": Int(c.startSI), "ttl": Int(c.ttl), "reduced": c.reduced,
        ]
        switch c.end {
        case .deliver(let a): out["end"] = adjacency(a)
        case .segment(let sid): out["end"] = ["sid": sid.description]
        }
        if c.encapsulation == .nsh {
            switch c.metadata {
            case .type1(let context): out["metadata"] = ["type": 1, "context": context.map { Int($0) }]
            case .type2(let tlvs):
                out["metadata"] = ["type": 2, "tlvs": tlvs.map { tlv -> [String: Any] in
                    ["class": Int(tlv.metadataClass), "type": Int(tlv.type),
                     "value": hexBytes(tlv.value)]
                }]
            }
        }
        return out
    }

    private func function(_ f: FunctionConfig) -> [String: Any] {
        var out: [String: Any] = ["name": f.name, "kind": f.kind.rawValue, "instances": f.instances.map(instance)]
        if let proxy = f.proxy { out["proxy"] = proxy.rawValue }
        return out
    }

    private func instance(_ i: InstanceConfig) -> [String: Any] {
        var out: [String: Any] = ["name": i.name, "weight": i.weight]
        if let a = i.attachment { out["attachment"] = adjacency(a) }
        if let r = i.returnPort { out["return_port"] = portName(r) }
        if let sid = i.sid { out["sid"] = sid.description }
        if let p = i.peer, config.peers.indices.contains(p) { out["peer"] = config.peers[p].name }
        return out
    }
}

// NSH and SR proxies recognise a packet coming back from an unaware function
// only by the attachment it returns on (port + VLAN). So that attachment must
// identify exactly one hop of one chain: an unaware function may be used by
// one hop only, and no two unaware instances may return on the same
// attachment.
import SFCCore

struct ValidatorAttachments {
    let spec: ChainFileSpec
    let names: NameTables
    let sink: DiagnosticSink

    func run() {
        checkOneHopPerFunction()
        checkDistinctReturnAttachments()
    }

    private func isUnaware(_ function: FunctionSpec) -> Bool {
        function.kind?.value == .nshUnaware || function.kind?.value == .srUnaware
    }

    private func checkOneHopPerFunction() {
        var firstUse: [String: (chain: String, line: Int)] = [:]
        for chain in spec.chains {
            let chainName = chain.name?.value ?? "?"
            for hop in chain.hops {
                guard let index = names.functions.indices[hop.value], index < spec.functions.count,
                      isUnaware(spec.functions[index]) else { continue }
                if let first = firstUse[hop.value] {
                    sink.error("proxy attachment serves two hops: function '\(hop.value)' is already a hop of chain "
                               + "'\(first.chain)' (line \(first.line)); its instances' return port and VLAN identify "
                               + "one hop, so give this hop its own function", at: hop.position)
                } else {
                    firstUse[hop.value] = (chainName, hop.position.line)
                }
            }
        }
    }

    private struct Attachment: Hashable { var port: String; var vlan: Int }

    private func checkDistinctReturnAttachments() {
        var seen: [Attachment: (instance: String, line: Int)] = [:]
        for function in spec.functions where isUnaware(function) {
            for instance in function.instances {
                guard let port = instance.returnPortName else { continue }
                let key = Attachment(port: port.value, vlan: instance.vlan?.value ?? 0)
                let vlanText = key.vlan == 0 ? "untagged" : "VLAN \(key.vlan)"
                if let first = seen[key] {
                    sink.error("proxy attachment serves two hops: instance '\(instance.name?.value ?? "?")' returns on "
                               + "port '\(key.port)' \(vlanText), like instance '\(first.instance)' (line \(first.line))",
                               at: instance.position)
                } else {
                    seen[key] = (instance.name?.value ?? "?", instance.position.line)
                }
            }
        }
    }
}

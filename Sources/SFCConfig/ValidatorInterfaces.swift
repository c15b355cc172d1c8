// Kernel interfaces: the XDP dataplane tells ports apart by the interface a
// packet arrives on, so two ports cannot share one.
struct ValidatorInterfaces {
    let spec: ChainFileSpec
    let sink: DiagnosticSink

    func run() {
        var seen: [String: Int] = [:]
        for port in spec.ports {
            guard let interface = port.interface else { continue }
            if let first = seen[interface.value] {
                sink.error("interface '\(interface.value)' is already the interface of another port (line \(first))",
                           at: interface.position)
            } else {
                seen[interface.value] = interface.position.line
            }
        }
    }
}

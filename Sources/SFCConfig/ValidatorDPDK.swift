// The dpdk section: every device names a known logical port, once; every
// device is used once.
import SFCCore

struct ValidatorDPDK {
    let spec: ChainFileSpec
    let names: NameTables
    let sink: DiagnosticSink

    func run() {
        guard let dpdk = spec.dpdk else { return }
        var ports: [String: SourcePosition] = [:]
        var devices: [String: SourcePosition] = [:]
        for entry in dpdk.ports {
            names.ports.resolve(entry.port, sink: sink, from: "dpdk ports")
            if let port = entry.port {
                if let first = ports[port.value] {
                    sink.error("port '\(port.value)' has a DPDK device already (line \(first.line))", at: port.position)
                } else {
                    ports[port.value] = port.position
                }
            }
            if let device = entry.device {
                let name = DPDKPortConfig(device: device.value).name
                if let first = devices[name] {
                    sink.error("DPDK device '\(name)' is used twice (first at line \(first.line))", at: device.position)
                } else {
                    devices[name] = device.position
                }
            }
        }
    }
}

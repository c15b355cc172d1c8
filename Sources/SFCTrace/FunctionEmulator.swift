// Stands in for the service functions during `simulate`: finds which
// instance a frame leaving the forwarder reaches, and gives back what that
// function would send back, as the RFCs say a well-behaved function does.
import SFCCore

struct FunctionEmulator {
    struct Target {
        var function: Int
        var instance: Int
    }

    let config: CompiledConfig

    /// The instance this frame reaches, if any.
    func target(of frame: [UInt8], egressPort: Int) -> Target? {
        frame.withUnsafeBytes { raw -> Target? in
            guard let base = raw.baseAddress, let eth = EthernetHeader(base, count: raw.count) else { return nil }
            for (f, function) in config.functions.enumerated() {
                for (i, instance) in function.instances.enumerated() {
                    if let a = instance.attachment, a.port == egressPort, a.mac == eth.destination, a.vlan == eth.vlan {
                        return Target(function: f, instance: i)
                    }
                }
            }
            // An sr-aware instance reached through the routes: match its SID.
            guard eth.etherType == EtherType.ipv6, let ip = IPv6Header(base + eth.headerLength, count: raw.count - eth.headerLength)
            else { return nil }
            for (f, function) in config.functions.enumerated() where function.kind == .srAware {
                for (i, instance) in function.instances.enumerated() where instance.sid == ip.destination {
                    return Target(function: f, instance: i)
                }
            }
            return nil
        }
    }

    /// What the function sends back, and on which port it arrives.
    /// Returns a failure text when the function could not act on the frame.
    func respond(_ target: Target, frame: [UInt8], egressPort: Int) -> Result<(frame: [UInt8], ingress: Int, behavior: String), SimulationError> {
        let function = config.functions[target.function]
        let instance = function.instances[target.instance]
        let port = instance.returnPort ?? instance.attachment?.port ?? egressPort
        let vlan = instance.attachment?.vlan ?? 0
        let sourceMAC = instance.attachment?.mac ?? MACAddress(0x02, 0x5f, 0xc0, 0, 0, 0x01)
        guard let eth = frame.withUnsafeBytes({ EthernetHeader($0.baseAddress!, count: $0.count) }) else {
            return .failure(SimulationError("\(instance.name) received a frame too short for Ethernet"))
        }
        var payload = Array(frame[eth.headerLength...])
        let header = PacketBuilder.ethernet(destination: config.ports[port].mac, source: sourceMAC, vlan: vlan,
                                            etherType: eth.etherType)
        switch function.kind {
        case .nshAware:
            // RFC 8300 s2.3: the SF decrements the Service Index.
            guard eth.etherType == EtherType.nsh, payload.count >= 8 else {
                return .failure(SimulationError("\(instance.name) is NSH-aware but received no NSH"))
            }
            guard payload[7] > 0 else { return .failure(SimulationError("\(instance.name) received SI 0")) }
            payload[7] -= 1
            return .success((header + payload, port, "nsh-aware SF: SI - 1"))
        case .nshUnaware:
            return .success((header + payload, port, "nsh-unaware SF (sees the bare packet)"))
        case .srUnaware:
            return .success((header + payload, port, "sr-unaware SF via \(function.proxy?.behavior.rawValue ?? "proxy")"))
        case .srAware:
            // RFC 8986 s4.1 End, as an SR-aware function does.
            guard eth.etherType == EtherType.ipv6 else { return .failure(SimulationError("\(instance.name) is SR-aware but received no IPv6")) }
            let ended = payload.withUnsafeMutableBytes { raw -> Bool in
                guard let p = raw.baseAddress, let ip = IPv6Header(p, count: raw.count), ip.hopLimit > 1,
                      let chain = ip.walkExtensions(), chain.srhOffset >= 0,
                      let srh = SegmentRoutingHeader(p + chain.srhOffset, count: raw.count - chain.srhOffset),
                      srh.problem == nil, srh.segmentsLeft > 0 else { return false }
                let sl = srh.segmentsLeft - 1
                p.setBE8(7, ip.hopLimit - 1)
                p.setBE8(chain.srhOffset + 3, sl)
                p.setIPv6(24, srh.segment(Int(sl)))
                return true
            }
            guard ended else { return .failure(SimulationError("\(instance.name) could not apply End (no SRH with Segments Left > 0)")) }
            let back = PacketBuilder.ethernet(destination: config.ports[egressPort].mac, source: sourceMAC, vlan: vlan,
                                              etherType: EtherType.ipv6)
            return .success((back + payload, instance.attachment?.port ?? egressPort, "sr-aware SF: End"))
        }
    }
}

public struct SimulationError: Error, CustomStringConvertible {
    public var description: String
    init(_ text: String) { description = text }
}

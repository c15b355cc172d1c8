// Decodes one captured packet layer by layer, down to the innermost transport
// header, over the SFCCore header views, and collects the RFC violations it
// sees. Pure function of the bytes: no I/O, no state between packets.
import SFCCore

public enum PacketDissector {
    /// LINKTYPE values understood (pcap link-layer header types).
    public static let linkTypeEthernet: UInt32 = 1
    public static let linkTypeRaw: UInt32 = 101
    public static let linkTypeIPv4: UInt32 = 228
    public static let linkTypeIPv6: UInt32 = 229

    /// At most this many layers are decoded (NSH in NSH in ... stops here).
    public static let maximumLayers = 32

    public static func dissect(_ bytes: [UInt8], linkType: UInt32 = linkTypeEthernet) -> Dissection {
        let first: DissectStep
        switch linkType {
        case linkTypeEthernet: first = .ethernet
        case linkTypeIPv4: first = .ipv4
        case linkTypeIPv6: first = .ipv6
        case linkTypeRaw: first = bytes.first.map { $0 >> 4 == 6 ? .ipv6 : .ipv4 } ?? .ipv4
        default:
            return Dissection(layers: [Layer(name: "unsupported", fields: [Field("link_type", .int(Int(linkType))),
                                                                          Field("length", .int(bytes.count))],
                                             summary: "link type \(linkType) not decoded (\(bytes.count) bytes)")])
        }
        return bytes.withUnsafeBytes { raw -> Dissection in
            guard let base = raw.baseAddress, raw.count > 0 else {
                var state = DissectState(base: UnsafeRawPointer(bitPattern: 0x10)!, count: 0)
                state.run(first)
                return state.result
            }
            var state = DissectState(base: base, count: raw.count)
            state.run(first)
            return state.result
        }
    }
}

/// What to decode next, at `DissectState.offset`.
enum DissectStep {
    case ethernet, ipv4, ipv6, nsh, vxlanGPE
    /// An IPv4 protocol / IPv6 next header value (extension headers included).
    case ipProtocol(UInt8)
    case stop
}

/// The walk over one packet. `offset` is where the next header starts;
/// `end` is where the enclosing IP payload (or the capture) ends.
struct DissectState {
    let base: UnsafeRawPointer
    let count: Int
    var offset = 0
    var end: Int
    var layers: [Layer] = []
    var findings: [Violation] = []
    /// Destination of the innermost IPv6 header so far (the SRH checks it).
    var ipv6Destination: IPv6Address?

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
        self.end = count
    }

    var result: Dissection { Dissection(layers: layers, findings: findings) }

    /// Bytes from `offset` to the end of the enclosing payload.
    var remaining: Int { max(0, end - offset) }
    var here: UnsafeRawPointer { base + offset }

    mutating func run(_ first: DissectStep) {
        var step = first
        while layers.count < PacketDissector.maximumLayers {
            switch step {
            case .ethernet: step = ethernet()
            case .ipv4: step = ipv4()
            case .ipv6: step = ipv6()
            case .nsh: step = nsh()
            case .vxlanGPE: step = vxlanGPE()
            case let .ipProtocol(value): step = ipProtocol(value)
            case .stop: return
            }
        }
        if case .stop = step { return }
        layers.append(Layer(name: "stopped", fields: [Field("reason", .string("more than \(PacketDissector.maximumLayers) layers"))],
                            summary: "decoding stopped after \(PacketDissector.maximumLayers) layers"))
    }

    /// Dispatches on an IPv4 protocol or IPv6 next header number (IANA protocol numbers).
    mutating func ipProtocol(_ value: UInt8) -> DissectStep {
        switch value {
        case IPv6NextHeader.hopByHop, IPv6NextHeader.destinationOptions, IPv6NextHeader.fragment,
             IPv6NextHeader.auth, IPv6NextHeader.mobility:
            return ipv6Extension(value)
        case IPv6NextHeader.routing: return routing()
        case IPv6NextHeader.ipv4: return .ipv4
        case IPv6NextHeader.ipv6: return .ipv6
        case IPv6NextHeader.ethernet: return .ethernet
        case IPv6NextHeader.tcp: return tcp()
        case IPv6NextHeader.udp: return udp()
        case 1: return icmp(version6: false)
        case IPv6NextHeader.icmpv6: return icmp(version6: true)
        case 47: return gre()
        case IPv6NextHeader.noNext:
            return .stop
        default:
            data(reason: "protocol \(value) not decoded", protocolNumber: Int(value))
            return .stop
        }
    }

    // MARK: - Helpers shared by the layer decoders

    /// Records a header cut short, with how many bytes were missing.
    mutating func truncated(_ layer: String, _ header: String, need: Int, have: Int, reference: String) {
        flagTruncated(layer, header, need: need, have: have, reference: reference)
        layers.append(Layer(name: layer, fields: [Field("truncated", .bool(true)), Field("available", .int(have))],
                            summary: "\(header) truncated (\(have) of \(need) bytes)"))
    }

    /// Records a header cut short, for a layer already shown.
    mutating func flagTruncated(_ layer: String, _ header: String, need: Int, have: Int, reference: String) {
        let message = "\(header) truncated: \(need) bytes needed, \(have) present (\(need - have) missing)"
        findings.append(Violation(layer: layer, reference: reference, message: message, reason: .truncated))
    }

    mutating func flag(_ layer: String, _ reference: String, _ message: String, _ reason: DropReason? = nil) {
        findings.append(Violation(layer: layer, reference: reference, message: message, reason: reason))
    }

    /// Bytes nobody here decodes: shown with their length, then the walk stops.
    mutating func data(reason: String, protocolNumber: Int? = nil) {
        var layer = Layer(name: "data", summary: "data \(remaining) bytes (\(reason))")
        if let protocolNumber { layer.add("protocol", protocolNumber) }
        layer.add("length", remaining)
        layers.append(layer)
    }

    func bytes(_ from: Int, _ length: Int) -> [UInt8] {
        (0..<length).map { base.be8(from + $0) }
    }
}

/// "0x%0Nx" without Foundation.
func hex<T: BinaryInteger>(_ value: T, digits: Int = 2) -> String {
    let s = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
}

/// Bytes as lowercase hex, two digits each (TLV values, trace frames).
public func hexBytes(_ bytes: [UInt8]) -> String {
    bytes.map { b in
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }.joined()
}

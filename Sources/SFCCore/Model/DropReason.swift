// The one table of drop reasons. Every dropped packet is counted under
// exactly one of these. The raw values are stable: the BPF programs and the
// counters printed by chain-trace use the same numbers and names (the
// hand-written C header BPF/include/sfc_drop_reasons.h is checked against
// this list by BPFSharedHeaderTests).

public enum DropReason: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    // Link and network layer
    case truncated = 1
    case unsupportedEthertype = 2
    case ipv4BadHeader = 3
    case ipv6BadHeader = 4
    case untrustedIngress = 5
    case unclassified = 6
    case noRoute = 7
    case mtuExceeded = 8
    case noHeadroom = 9
    case notForUs = 10
    case egressDown = 11
    // NSH (RFC 8300)
    case nshBadVersion = 20
    case nshBadLength = 21
    case nshBadMDType = 22
    case nshUnknownNextProtocol = 23
    case nshTTLExpired = 24
    case nshNoPath = 25
    case nshOAM = 26
    case vxlanBadHeader = 27
    // SRv6 (RFC 8754, RFC 8986, SR service programming)
    case srhMalformed = 40
    case srhSegmentsLeftOutOfRange = 41
    case srv6HopLimitExpired = 42
    case srv6NoSRH = 43
    case srv6SegmentsLeftNotZero = 44
    case srv6InnerMismatch = 45
    case srv6ProxyNoState = 46
    case srv6UnknownSID = 47
    // Service functions
    case instanceDown = 60

    /// The short name used in counters, JSON and the C header.
    public var name: String {
        switch self {
        case .truncated: return "truncated"
        case .unsupportedEthertype: return "unsupported-ethertype"
        case .ipv4BadHeader: return "ipv4-bad-header"
        case .ipv6BadHeader: return "ipv6-bad-header"
        case .untrustedIngress: return "untrusted-ingress"
        case .unclassified: return "unclassified"
        case .noRoute: return "no-route"
        case .mtuExceeded: return "mtu-exceeded"
        case .noHeadroom: return "no-headroom"
        case .notForUs: return "not-for-us"
        case .egressDown: return "egress-down"
        case .nshBadVersion: return "nsh-bad-version"
        case .nshBadLength: return "nsh-bad-length"
        case .nshBadMDType: return "nsh-bad-md-type"
        case .nshUnknownNextProtocol: return "nsh-unknown-next-protocol"
        case .nshTTLExpired: return "nsh-ttl-expired"
        case .nshNoPath: return "nsh-no-path"
        case .nshOAM: return "nsh-oam"
        case .vxlanBadHeader: return "vxlan-gpe-bad-header"
        case .srhMalformed: return "srh-malformed"
        case .srhSegmentsLeftOutOfRange: return "srh-sl-out-of-range"
        case .srv6HopLimitExpired: return "srv6-hop-limit-expired"
        case .srv6NoSRH: return "srv6-no-srh"
        case .srv6SegmentsLeftNotZero: return "srv6-sl-not-zero"
        case .srv6InnerMismatch: return "srv6-inner-mismatch"
        case .srv6ProxyNoState: return "srv6-proxy-no-state"
        case .srv6UnknownSID: return "srv6-unknown-sid"
        case .instanceDown: return "instance-down"
        }
    }

    /// One line for humans.
    public var explanation: String {
        switch self {
        case .truncated: return "packet shorter than a header it announces"
        case .unsupportedEthertype: return "neither IPv4, IPv6 nor NSH"
        case .ipv4BadHeader: return "IPv4 version, IHL or total length invalid"
        case .ipv6BadHeader: return "IPv6 version, payload length or extension header chain invalid"
        case .untrustedIngress: return "NSH, VXLAN-GPE or SRv6 from a port outside the SFC/SR domain (RFC 8300 s8.1, RFC 8754 s5.1)"
        case .unclassified: return "no classifier rule matched"
        case .noRoute: return "no route or adjacency for the destination"
        case .mtuExceeded: return "encapsulated packet larger than the egress port MTU"
        case .noHeadroom: return "no room to push the encapsulation"
        case .notForUs: return "addressed to this node but not a SID it serves"
        case .egressDown: return "the egress port's link is down: the kernel or the device would not send it"
        case .nshBadVersion: return "NSH version is not 0 (RFC 8300 s2.2)"
        case .nshBadLength: return "NSH length does not match its MD type (RFC 8300 s2.4, s2.5)"
        case .nshBadMDType: return "NSH MD type reserved or unsupported"
        case .nshUnknownNextProtocol: return "NSH next protocol this SFF cannot deliver"
        case .nshTTLExpired: return "NSH TTL reached 0 after decrement (RFC 8300 s2.2)"
        case .nshNoPath: return "no entry for this SPI/SI (RFC 8300 s4.3)"
        case .nshOAM: return "NSH O bit set; OAM is not handled by this SFF"
        case .vxlanBadHeader: return "VXLAN-GPE header invalid or not carrying NSH"
        case .srhMalformed: return "SRH routing type, Hdr Ext Len or Last Entry invalid (RFC 8754 s4.3.1)"
        case .srhSegmentsLeftOutOfRange: return "Segments Left above Last Entry + 1 (RFC 8754 s4.3.1.1)"
        case .srv6HopLimitExpired: return "IPv6 Hop Limit 1 or 0 at an endpoint (RFC 8986 s4.1)"
        case .srv6NoSRH: return "the SID needs an SRH with Segments Left > 0"
        case .srv6SegmentsLeftNotZero: return "decapsulating SID reached with Segments Left > 0 (RFC 8986 s4.4)"
        case .srv6InnerMismatch: return "inner packet is not what the SID delivers"
        case .srv6ProxyNoState: return "SR proxy has no headers to restore (End.AD cache empty)"
        case .srv6UnknownSID: return "destination inside the locator but not a configured SID"
        case .instanceDown: return "service function instance down, chain fails closed"
        }
    }

    public var description: String { name }

    public static func named(_ name: String) -> DropReason? { allCases.first { $0.name == name } }
}

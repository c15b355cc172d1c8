// Bytes an encapsulation adds in front of the original IP packet. The MTU
// warning uses these; so can anything that sizes buffers or reports MTUs.
import SFCCore

public enum EncapsulationOverhead {
    /// VXLAN-GPE 8 + UDP 8 + outer IPv4 20 + inner Ethernet 14, towards a
    /// peer SFF.
    public static let vxlanGPE = 8 + 8 + 20 + 14

    /// Base header and service path header (8), plus the 16-byte MD type 1
    /// context or the MD type 2 TLVs (4-byte header + value padded to 4).
    public static func nsh(_ metadata: NSHMetadata) -> Int {
        switch metadata {
        case .type1: return 8 + 16
        case .type2(let tlvs): return 8 + tlvs.reduce(0) { $0 + 4 + ($1.value.count + 3) / 4 * 4 }
        }
    }

    /// Outer IPv6 (40) plus an SRH of 8 + 16 per segment, with n = hops + 1
    /// segments (the chain end is the last). H.Encaps.Red leaves the first
    /// segment out of the SRH and omits the SRH for a single segment
    /// (RFC 8986 section 5.2).
    /// A signed SRH (`hmac-key`) carries the 40-byte HMAC TLV (RFC 8754 s2.1.2).
    public static func srv6(hops: Int, reduced: Bool, hmac: Bool = false) -> Int {
        let segments = hops + 1
        let tlv = hmac ? 40 : 0
        if !reduced { return 40 + 8 + 16 * segments + tlv }
        return segments == 1 ? 40 : 40 + 8 + 16 * (segments - 1) + tlv
    }
}

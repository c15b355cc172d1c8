// The SRH's HMAC TLV (RFC 8754 s2.1.2): the headend of a chain with
// `hmac-key` signs the SRH it writes; a `require-hmac` port, where traffic
// enters the SR domain, drops SRv6 for a local SID whose HMAC is missing
// (`srv6-hmac-missing`) or wrong (`srv6-hmac-invalid`).
// Where the TLV sits and which flag marks it follow Linux, which signs and
// checks the same TLV (net/ipv6/seg6_hmac.c): the first TLV after the
// Segment List, with SRH flag 0x08 set. The text is the outer source
// address, Last Entry, Flags, the Key ID and the whole Segment List
// (RFC 8754 s2.1.2.1), HMAC-SHA256 in all 32 bytes.
// The XDP program does the same in BPF/sfc_hmac.h.

/// The TLV's constants, from BPF/include/sfc_tables.h (the XDP program reads the same).
public enum SRHHMAC {
    @inlinable public static var tlvType: UInt8 { UInt8(SharedSpec.SFC_HMAC_TLV_TYPE) }
    /// Type and Length bytes excluded: D/reserved (2) + Key ID (4) + HMAC (32).
    @inlinable public static var tlvLength: UInt8 { UInt8(SharedSpec.SFC_HMAC_TLV_LENGTH) }
    @inlinable public static var tlvSize: Int { SharedSpec.SFC_HMAC_TLV_SIZE }
    /// SRH Flags bit Linux sets when the SRH carries an HMAC TLV.
    @inlinable public static var srhFlag: UInt8 { UInt8(SharedSpec.SFC_HMAC_SRH_FLAG) }
    /// D flag (RFC 8754 s2.1.2): the destination address is not checked
    /// (a reduced Segment List does not hold the first segment).
    @inlinable public static var destinationFlag: UInt8 { UInt8(SharedSpec.SFC_HMAC_D_FLAG) }
    /// Source, Last Entry, Flags, Key ID, then up to 125 segments (an SRH with the TLV holds no more).
    @inlinable public static var maxTextSize: Int { SharedSpec.SFC_HMAC_MAX_TEXT }
}

extension Pipeline {
    /// Writes the HMAC TLV after the `listCount` segments of the SRH at `srh`
    /// (Hdr Ext Len and Flags already set for it) for outer source `source`.
    @inline(__always)
    func signSRH(_ srh: UnsafeMutableRawPointer, listCount: Int, source: IPv6Address, signer: SRHHMACSigner, reduced: Bool) {
        let tlv = srh + SegmentRoutingHeader.fixedSize + 16 * listCount
        tlv.setBE8(0, SRHHMAC.tlvType)
        tlv.setBE8(1, SRHHMAC.tlvLength)
        tlv.setBE8(2, reduced ? SRHHMAC.destinationFlag : 0)
        tlv.setBE8(3, 0)
        tlv.setBE32(4, signer.keyID)
        let textSize = hmacText(srh, source: source, keyID: signer.keyID, listCount: listCount)
        signer.key.mac(hmacScratch, count: textSize, into: tlv.assumingMemoryBound(to: UInt8.self) + 8)
    }

    /// RFC 8754 s2.1.2.1's text into `hmacScratch`; returns its length.
    @inline(__always)
    func hmacText(_ srh: UnsafeRawPointer, source: IPv6Address, keyID: UInt32, listCount: Int) -> Int {
        let t = UnsafeMutableRawPointer(hmacScratch)
        t.setIPv6(0, source)
        t.setBE8(16, srh.be8(4))   // Last Entry
        t.setBE8(17, srh.be8(5))   // Flags
        t.setBE32(18, keyID)
        (t + 22).copyMemory(from: srh + SegmentRoutingHeader.fixedSize, byteCount: 16 * listCount)
        return 22 + 16 * listCount
    }

    /// nil when the IPv6 packet at `l3` (`count` bytes, its length fields
    /// checked) carries a valid HMAC TLV; otherwise the drop reason.
    @inline(__always)
    func hmacProblem(_ l3: UnsafeMutableRawPointer, count: Int) -> DropReason? {
        guard let ip = IPv6Header(l3, count: count), let chain = ip.walkExtensions(), chain.srhOffset >= 0 else {
            return .srv6HMACMissing
        }
        let srh = l3 + chain.srhOffset
        let headerSize = 8 * (Int(srh.be8(1)) + 1)   // inside the packet: walkExtensions checked
        let lastEntry = Int(srh.be8(4))
        let at = SegmentRoutingHeader.fixedSize + 16 * (lastEntry + 1)
        guard at + SRHHMAC.tlvSize <= headerSize, srh.be8(at) == SRHHMAC.tlvType, srh.be8(at + 1) == SRHHMAC.tlvLength
        else { return .srv6HMACMissing }
        let keyID = srh.be32(at + 4)
        guard let key = tables.hmacKeys[keyID] else { return .srv6HMACInvalid }
        // D clear: the DA must be the segment Segments Left names, when it names one.
        let segmentsLeft = Int(srh.be8(3))
        if srh.be8(at + 2) & SRHHMAC.destinationFlag == 0 && segmentsLeft <= lastEntry
            && ip.destination != srh.ipv6(SegmentRoutingHeader.fixedSize + 16 * segmentsLeft) {
            return .srv6HMACInvalid
        }
        let textSize = hmacText(srh, source: ip.source, keyID: keyID, listCount: lastEntry + 1)
        let expected = hmacScratch + SRHHMAC.maxTextSize
        key.mac(hmacScratch, count: textSize, into: expected)
        var difference: UInt8 = 0
        let carried = (srh + at + 8).assumingMemoryBound(to: UInt8.self)
        for i in 0..<SHA256.digestSize { difference |= carried[i] ^ expected[i] }
        return difference == 0 ? nil : .srv6HMACInvalid
    }
}

/* The one list of drop reasons, read by every dataplane. Each dropped
 * packet is counted under exactly one of these.
 *
 * X(C_NAME, CODE, swiftCase, "name", "explanation"):
 * - C: enum sfc_drop_reason below (SFC_DROP_<C_NAME> = CODE).
 * - Swift: SFCCore's DropReason is generated from this file at build time
 *   (Plugins/SharedSpecPlugin runs Sources/sfc-spec-gen), so there is no
 *   second list to keep in step. BPFSharedHeaderTests compares the Swift
 *   enum with a host compile of this header.
 * Codes are wire values (counters, BPF_PROG_RUN results): never renumber
 * one; a new reason takes a free code. Add the RFC section a check
 * implements to its explanation. */
#ifndef SFC_DROP_REASONS_H
#define SFC_DROP_REASONS_H

#define SFC_DROP_REASONS(X) \
    /* Link and network layer */ \
    X(TRUNCATED, 1, truncated, "truncated", \
      "packet shorter than a header it announces") \
    X(UNSUPPORTED_ETHERTYPE, 2, unsupportedEthertype, "unsupported-ethertype", \
      "neither IPv4, IPv6 nor NSH") \
    X(IPV4_BAD_HEADER, 3, ipv4BadHeader, "ipv4-bad-header", \
      "IPv4 version, IHL or total length invalid") \
    X(IPV6_BAD_HEADER, 4, ipv6BadHeader, "ipv6-bad-header", \
      "IPv6 version, payload length or extension header chain invalid") \
    X(UNTRUSTED_INGRESS, 5, untrustedIngress, "untrusted-ingress", \
      "NSH, VXLAN-GPE or SRv6 from a port outside the SFC/SR domain (RFC 8300 s8.1, RFC 8754 s5.1)") \
    X(UNCLASSIFIED, 6, unclassified, "unclassified", \
      "no classifier rule matched") \
    X(NO_ROUTE, 7, noRoute, "no-route", \
      "no route or adjacency for the destination") \
    X(MTU_EXCEEDED, 8, mtuExceeded, "mtu-exceeded", \
      "encapsulated packet larger than the egress port MTU") \
    X(NO_HEADROOM, 9, noHeadroom, "no-headroom", \
      "no room to push the encapsulation") \
    X(NOT_FOR_US, 10, notForUs, "not-for-us", \
      "addressed to this node but not a SID it serves") \
    X(EGRESS_DOWN, 11, egressDown, "egress-down", \
      "the egress port's link is down: the kernel or the device would not send it") \
    /* NSH (RFC 8300) */ \
    X(NSH_BAD_VERSION, 20, nshBadVersion, "nsh-bad-version", \
      "NSH version is not 0 (RFC 8300 s2.2)") \
    X(NSH_BAD_LENGTH, 21, nshBadLength, "nsh-bad-length", \
      "NSH length does not match its MD type (RFC 8300 s2.4, s2.5)") \
    X(NSH_BAD_MD_TYPE, 22, nshBadMDType, "nsh-bad-md-type", \
      "NSH MD type reserved or unsupported") \
    X(NSH_UNKNOWN_NEXT_PROTOCOL, 23, nshUnknownNextProtocol, "nsh-unknown-next-protocol", \
      "NSH next protocol this SFF cannot deliver") \
    X(NSH_TTL_EXPIRED, 24, nshTTLExpired, "nsh-ttl-expired", \
      "NSH TTL reached 0 after decrement (RFC 8300 s2.2)") \
    X(NSH_NO_PATH, 25, nshNoPath, "nsh-no-path", \
      "no entry for this SPI/SI (RFC 8300 s4.3)") \
    X(NSH_OAM, 26, nshOAM, "nsh-oam", \
      "NSH O bit set; OAM is not handled by this SFF") \
    X(NSH_INNER_MALFORMED, 28, nshInnerMalformed, "nsh-inner-malformed", \
      "the packet behind NSH is not the whole IPv4 / IPv6 packet its next protocol says") \
    X(VXLAN_GPE_BAD_HEADER, 27, vxlanBadHeader, "vxlan-gpe-bad-header", \
      "VXLAN-GPE header invalid or not carrying NSH") \
    /* SRv6 (RFC 8754, RFC 8986, SR service programming) */ \
    X(SRH_MALFORMED, 40, srhMalformed, "srh-malformed", \
      "SRH routing type, Hdr Ext Len or Last Entry invalid (RFC 8754 s4.3.1)") \
    X(SRH_SL_OUT_OF_RANGE, 41, srhSegmentsLeftOutOfRange, "srh-sl-out-of-range", \
      "Segments Left above Last Entry + 1 (RFC 8754 s4.3.1.1)") \
    X(SRV6_HOP_LIMIT_EXPIRED, 42, srv6HopLimitExpired, "srv6-hop-limit-expired", \
      "IPv6 Hop Limit 1 or 0 at an endpoint (RFC 8986 s4.1)") \
    X(SRV6_NO_SRH, 43, srv6NoSRH, "srv6-no-srh", \
      "the SID needs an SRH with Segments Left > 0") \
    X(SRV6_SL_NOT_ZERO, 44, srv6SegmentsLeftNotZero, "srv6-sl-not-zero", \
      "decapsulating SID reached with Segments Left > 0 (RFC 8986 s4.4)") \
    X(SRV6_INNER_MISMATCH, 45, srv6InnerMismatch, "srv6-inner-mismatch", \
      "inner packet is not what the SID delivers") \
    X(SRV6_PROXY_NO_STATE, 46, srv6ProxyNoState, "srv6-proxy-no-state", \
      "SR proxy has no headers to restore (End.AD cache empty)") \
    X(SRV6_UNKNOWN_SID, 47, srv6UnknownSID, "srv6-unknown-sid", \
      "destination inside the locator but not a configured SID") \
    X(SRV6_NOT_A_PROBE, 48, srv6NotAProbe, "srv6-not-a-probe", \
      "a packet to the node's probe SID that is not one of its liveness probes") \
    X(SRV6_LOCAL_LOOP, 49, srv6LocalLoop, "srv6-local-loop", \
      "the packet ran SFC_MAX_LOCAL_SIDS local SIDs in one pass (an SRH that keeps naming this node)") \
    X(SRV6_HMAC_MISSING, 50, srv6HMACMissing, "srv6-hmac-missing", \
      "SRv6 for a local SID on a require-hmac port without an SRH HMAC TLV (RFC 8754 s2.1.2.1)") \
    X(SRV6_HMAC_INVALID, 51, srv6HMACInvalid, "srv6-hmac-invalid", \
      "SRv6 HMAC TLV with an unknown key id, a wrong HMAC or a destination not in its segment list (RFC 8754 s2.1.2.1)") \
    /* Service functions */ \
    X(INSTANCE_DOWN, 60, instanceDown, "instance-down", \
      "service function instance down, chain fails closed")

enum sfc_drop_reason {
#define SFC_DROP_ENUM(NAME, CODE, SWIFT, TEXT, EXPLANATION) SFC_DROP_##NAME = CODE,
    SFC_DROP_REASONS(SFC_DROP_ENUM)
#undef SFC_DROP_ENUM
};

#define SFC_DROP_REASON_SLOTS 256

#endif

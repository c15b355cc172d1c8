/* Drop reasons shared by every dataplane. The numbers and names are those of
 * Sources/SFCCore/Model/DropReason.swift; a Swift test (BPFSharedHeaderTests)
 * fails when the two disagree. X-macro: SFC_DROP(NAME, CODE, "name"). */
#ifndef SFC_DROP_REASONS_H
#define SFC_DROP_REASONS_H

#define SFC_DROP_REASONS(SFC_DROP) \
    SFC_DROP(TRUNCATED, 1, "truncated") \
    SFC_DROP(UNSUPPORTED_ETHERTYPE, 2, "unsupported-ethertype") \
    SFC_DROP(IPV4_BAD_HEADER, 3, "ipv4-bad-header") \
    SFC_DROP(IPV6_BAD_HEADER, 4, "ipv6-bad-header") \
    SFC_DROP(UNTRUSTED_INGRESS, 5, "untrusted-ingress") \
    SFC_DROP(UNCLASSIFIED, 6, "unclassified") \
    SFC_DROP(NO_ROUTE, 7, "no-route") \
    SFC_DROP(MTU_EXCEEDED, 8, "mtu-exceeded") \
    SFC_DROP(NO_HEADROOM, 9, "no-headroom") \
    SFC_DROP(NOT_FOR_US, 10, "not-for-us") \
    SFC_DROP(EGRESS_DOWN, 11, "egress-down") \
    SFC_DROP(NSH_BAD_VERSION, 20, "nsh-bad-version") \
    SFC_DROP(NSH_BAD_LENGTH, 21, "nsh-bad-length") \
    SFC_DROP(NSH_BAD_MD_TYPE, 22, "nsh-bad-md-type") \
    SFC_DROP(NSH_UNKNOWN_NEXT_PROTOCOL, 23, "nsh-unknown-next-protocol") \
    SFC_DROP(NSH_TTL_EXPIRED, 24, "nsh-ttl-expired") \
    SFC_DROP(NSH_NO_PATH, 25, "nsh-no-path") \
    SFC_DROP(NSH_OAM, 26, "nsh-oam") \
    SFC_DROP(VXLAN_GPE_BAD_HEADER, 27, "vxlan-gpe-bad-header") \
    SFC_DROP(SRH_MALFORMED, 40, "srh-malformed") \
    SFC_DROP(SRH_SL_OUT_OF_RANGE, 41, "srh-sl-out-of-range") \
    SFC_DROP(SRV6_HOP_LIMIT_EXPIRED, 42, "srv6-hop-limit-expired") \
    SFC_DROP(SRV6_NO_SRH, 43, "srv6-no-srh") \
    SFC_DROP(SRV6_SL_NOT_ZERO, 44, "srv6-sl-not-zero") \
    SFC_DROP(SRV6_INNER_MISMATCH, 45, "srv6-inner-mismatch") \
    SFC_DROP(SRV6_PROXY_NO_STATE, 46, "srv6-proxy-no-state") \
    SFC_DROP(SRV6_UNKNOWN_SID, 47, "srv6-unknown-sid") \
    SFC_DROP(INSTANCE_DOWN, 60, "instance-down")

enum sfc_drop_reason {
#define SFC_DROP_ENUM(NAME, CODE, TEXT) SFC_DROP_##NAME = CODE,
    SFC_DROP_REASONS(SFC_DROP_ENUM)
#undef SFC_DROP_ENUM
};

#define SFC_DROP_REASON_SLOTS 256

#endif

/* sfc XDP dataplane: what every SRv6 endpoint behaviour does with the SRH
 * (RFC 8754 s2): the checks of RFC 8754 s4.3.1.1 and RFC 8986 s4.1
 * S01-S08, and the advance of RFC 8986 s4.1 S09-S14 (hop limit, Segments
 * Left, DA). Mirrors Pipeline.checkedSRH in
 * Sources/SFCCore/Pipeline/SRv6Path.swift. */
#ifndef SFC_SRH_H
#define SFC_SRH_H

#include "sfc_parse.h"
#include "sfc_state.h"

/* The SRH of the IPv6 packet at data, checked as RFC 8754 s4.3.1.1 and
 * RFC 8986 s4.1 S01-S08 require (Swift Pipeline.checkedSRH). */
struct sfc_srh_info {
    struct sfc_chain6 chain;
    __u8 has_srh;
    __u8 sl;
    __u8 last_entry;
    __u8 hdr_ext_len;
};

SFC_SUBPROG int sfc_checked_srh(struct xdp_md *ctx, struct sfc_state *st, __u32 need_sl, struct sfc_srh_info *out)
{
    __u8 h[8] SFC_SLOT;
    if (!st || !out)
        return -1;
    /* The IPv6 header starts st->skip bytes in (Ethernet not popped). */
    __u32 base = st->skip & 0x1F;
    __u32 len = sfc_len(ctx) - base;
    if (len < 40 || len > SFC_MAX_OFFSET || sfc_load(ctx, base, h, 8) || h[0] >> 4 != 6 ||
        40 + (__u32)sfc_be16(h + 4) > len) {
        sfc_drop(st, SFC_DROP_IPV6_BAD_HEADER);
        return -1;
    }
    if (sfc_walk6(ctx, base, 40 + (__u32)sfc_be16(h + 4), h[6], &out->chain)) {
        sfc_drop(st, SFC_DROP_SRH_MALFORMED);
        return -1;
    }
    out->has_srh = 0;
    out->sl = 0;
    out->last_entry = 0;
    out->hdr_ext_len = 0;
    if (out->chain.srh_offset < 0) {
        if (need_sl) {
            sfc_drop(st, out->chain.other_routing_offset >= 0 ? SFC_DROP_SRH_MALFORMED : SFC_DROP_SRV6_NO_SRH);
            return -1;
        }
        return 0;
    }
    __u32 so = (__u32)out->chain.srh_offset;
    if (so + 8 > len || sfc_load(ctx, (base + so) & SFC_MAX_OFFSET, h, 8) || len - so < ((__u32)h[1] + 1) * 8) {
        sfc_drop(st, SFC_DROP_SRH_MALFORMED);
        return -1;
    }
    /* Hdr Ext Len may be odd (TLVs, RFC 8754 s2); it must hold a segment. */
    if (h[2] != 4 || h[1] < 2 || (__u32)h[4] + 1 > (__u32)h[1] / 2) {
        sfc_drop(st, SFC_DROP_SRH_MALFORMED);
        return -1;
    }
    if ((__u32)h[3] > (__u32)h[4] + 1) {
        sfc_drop(st, SFC_DROP_SRH_SL_OUT_OF_RANGE);
        return -1;
    }
    if (need_sl && h[3] == 0) {
        sfc_drop(st, SFC_DROP_SRV6_NO_SRH);
        return -1;
    }
    out->has_srh = 1;
    out->sl = h[3];
    out->last_entry = h[4];
    out->hdr_ext_len = h[1];
    return 0;
}

/* RFC 8986 s4.1 S09-S14: check and decrement the hop limit, decrement
 * Segments Left, DA = Segment List[SL]; `to_last` (End.AM,
 * draft-ietf-spring-sr-service-programming s6.4.1) puts Segment List[0] in
 * the DA instead. */
SFC_SUBPROG int sfc_advance(struct xdp_md *ctx, struct sfc_state *st, struct sfc_srh_info *info, __u32 to_last)
{
    __u8 seg[16] SFC_SLOT;
    if (!st || !info)
        return -1;
    __u32 base = st->skip & 0x1F;
    __u8 *data = (__u8 *)(long)ctx->data + base;
    if (data + 40 > (__u8 *)(long)ctx->data_end) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return -1;
    }
    __u8 hop_limit = data[7];
    if (hop_limit <= 1) {
        sfc_drop(st, SFC_DROP_SRV6_HOP_LIMIT_EXPIRED);
        return -1;
    }
    data[7] = hop_limit - 1;
    __u8 sl = info->sl - 1;
    __u32 so = (__u32)info->chain.srh_offset & SFC_MAX_OFFSET;
    __u32 index = to_last ? 0 : sl;
    if (sfc_store(ctx, base + so + 3, &sl, 1) ||
        sfc_load(ctx, (base + so + 8 + 16 * index) & SFC_MAX_OFFSET, seg, 16) ||
        sfc_store(ctx, base + 24, seg, 16)) {
        sfc_drop(st, SFC_DROP_SRH_MALFORMED);
        return -1;
    }
    info->sl = sl;
    return 0;
}

#endif

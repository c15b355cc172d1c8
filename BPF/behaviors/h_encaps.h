/* sfc XDP dataplane: the SR policy headend behaviours H.Encaps (RFC 8986
 * s5.1) and H.Encaps.Red (s5.2): an outer IPv6 header and an SRH (RFC 8754
 * s2) holding the chain's segments in front of the inner packet. Mirrors
 * Sources/SFCCore/Pipeline/SRv6Path.swift. */
#ifndef SFC_BEHAVIORS_H_ENCAPS_H
#define SFC_BEHAVIORS_H_ENCAPS_H

#include "../sfc_maps.h"
#include "../sfc_parse.h"
#include "../sfc_state.h"

/* Segment `position` of chain c's path (0 = first visited): the SID of the
 * hop's instance (chosen by the flow hash when the function has several),
 * or the chain's end segment. Swift ForwardingTables.segment. */
SFC_SUBPROG int sfc_segment(struct sfc_state *st, __u32 c, __u32 position, __u32 hash, struct sfc_sid_key *out)
{
    if (!st || !out)
        return -1;
    struct sfc_chain *ch = SFC_LOOKUP(sfc_chains, st->gen, &c);
    if (!ch)
        return -1;
    if (position >= ch->hop_count || position >= SFC_MAX_HOPS) {
        __builtin_memcpy(out->addr, ch->end_segment, 16);
        return 0;
    }
    __u32 f = ch->hops[position];
    struct sfc_function *fn = SFC_LOOKUP(sfc_functions, st->gen, &f);
    if (!fn)
        return -1;
    __u32 i = fn->instance_count > 1 ? fn->buckets[sfc_flow_bucket(hash)] : 0;
    __u32 slot = f * SFC_MAX_INSTANCES + (i & (SFC_MAX_INSTANCES - 1));
    struct sfc_instance *in = SFC_LOOKUP(sfc_instances, st->gen, &slot);
    if (!in)
        return -1;
    if (in->has_sid)
        __builtin_memcpy(out->addr, in->sid, 16);
    else
        __builtin_memset(out->addr, 0, 16);
    return 0;
}

/* H.Encaps (RFC 8986 s5.1) / H.Encaps.Red (s5.2) in front of the inner IP
 * packet at data. Path P[0..n-1] (hops, then the end segment); Segment
 * List[i] = P[n-1-i]; the reduced form leaves P[0] out (and the SRH out
 * entirely when n == 1). Outer IPv6: traffic class from the inner packet,
 * flow label = hash & 0xFFFFF, hop limit 64, SA = srv6-source, DA = the
 * active segment P[n-1-SL]. RFC 8754 s2: Last Entry = entries - 1. */
SFC_SUBPROG int sfc_push_srv6(struct xdp_md *ctx, struct sfc_state *st, __u32 c, __u32 sl, __u32 hash)
{
    __u8 b[8] SFC_SLOT = {0};
    struct sfc_sid_key active SFC_SLOT;
    __u32 zero = 0;
    if (!st)
        return 0;
    struct sfc_chain *ch = SFC_LOOKUP(sfc_chains, st->gen, &c);
    if (!ch) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    __u32 n = (__u32)ch->hop_count + 1;
    __u32 list = ch->reduced ? n - 1 : n;
    if (list > SFC_MAX_SEGMENTS)
        list = SFC_MAX_SEGMENTS;
    __u32 srh_len = list == 0 ? 0 : 8 + 16 * list;
    /* A classified packet still has its Ethernet header in front
     * (st->skip): the inner packet starts there, and one adjustment makes
     * room for the outer headers and 14 bytes in front for sfc_emit. */
    __u32 skip = st->skip & 0x1F, front = skip ? ETH_HLEN : 0;
    __u32 len = sfc_len(ctx) - skip;
    if (len == 0 || sfc_load(ctx, skip, b, 1)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    int v6 = b[0] >> 4 == 6;
    __u32 tc = 0;
    if (v6) {
        if (len >= 40 && sfc_load(ctx, skip, b, 2) == 0)
            tc = (sfc_be16(b) >> 4) & 0xFF;
    } else if (len >= 2 && sfc_load(ctx, skip, b, 2) == 0) {
        tc = b[1];
    }
    __u32 inner = v6 ? SFC_NH_IPV6 : SFC_NH_IPV4;
    struct sfc_globals *g = SFC_LOOKUP(sfc_globals, st->gen, &zero);
    if (!g || !g->has_srv6_source) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    if (sfc_segment(st, c, n - 1 - sl, hash, &active)) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    if (bpf_xdp_adjust_head(ctx, (int)skip - (int)(40 + srh_len + front))) {
        /* Short of headroom: the steps without the fold (pop, push making
         * headroom, Ethernet pushed by sfc_emit), so the same frames fit. */
        front = 0;
        if (skip && sfc_pop(ctx, skip)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
        if (sfc_push(ctx, 40 + srh_len)) {
            sfc_drop(st, SFC_DROP_NO_HEADROOM);
            return 0;
        }
    }
    st->skip = front;
    __u8 *data = (__u8 *)(long)ctx->data + front;
    if (data + 48 > (__u8 *)(long)ctx->data_end) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    __u32 w = 6u << 28 | tc << 20 | (hash & 0xFFFFF);
    __u32 payload = sfc_len(ctx) - front - 40;
    data[0] = w >> 24;
    data[1] = (w >> 16) & 0xFF;
    data[2] = (w >> 8) & 0xFF;
    data[3] = w & 0xFF;
    data[4] = (payload >> 8) & 0xFF;
    data[5] = payload & 0xFF;
    data[6] = srh_len ? SFC_NH_ROUTING : inner;
    data[7] = SFC_ENCAP_HOP_LIMIT;
    g = SFC_LOOKUP(sfc_globals, st->gen, &zero);
    if (!g) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    __builtin_memcpy(data + 8, g->srv6_source, 16);
    __builtin_memcpy(data + 24, active.addr, 16);
    if (!srh_len)
        return 0;
    /* RFC 8754 s2: Next Header, Hdr Ext Len, Routing Type 4, Segments
     * Left, Last Entry, Flags, Tag, then the segment list. */
    data[40] = inner;
    data[41] = 2 * list;
    data[42] = 4;
    data[43] = sl;
    data[44] = list - 1;
    data[45] = 0;
    data[46] = 0;
    data[47] = 0;
    for (__u32 i = 0; i < SFC_MAX_SEGMENTS; i++) {
        if (i >= list)
            break;
        if (sfc_segment(st, c, n - 1 - i, hash, &active) ||
            sfc_store(ctx, front + 48 + 16 * i, active.addr, 16)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
    }
    return 0;
}

#endif

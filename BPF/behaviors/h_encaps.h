/* sfc XDP dataplane: the SR policy headend behaviours H.Encaps (RFC 8986
 * s5.1) and H.Encaps.Red (s5.2): an outer IPv6 header and an SRH (RFC 8754
 * s2) holding the chain's segments in front of the inner packet. Mirrors
 * Sources/SFCCore/Pipeline/SRv6Path.swift. */
#ifndef SFC_BEHAVIORS_H_ENCAPS_H
#define SFC_BEHAVIORS_H_ENCAPS_H

#include "../sfc_egress.h"
#include "../sfc_hmac.h"
#include "../sfc_instance.h"
#include "../sfc_maps.h"
#include "../sfc_parse.h"
#include "../sfc_state.h"

/* Segment `position` of chain c's path (0 = first visited): the SID of the
 * hop's instance (sfc_choose_segments chose it), or the chain's end
 * segment. Swift Pipeline.chosenSegment. */
SFC_SUBPROG int sfc_segment(struct sfc_state *st, __u32 c, __u32 position, struct sfc_sid_key *out)
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
    __u32 zero = 0;
    struct sfc_picks *picks = bpf_map_lookup_elem(&sfc_picks, &zero);
    if (!picks)
        return -1;
    __u32 i = picks->instance[position & (SFC_MAX_HOPS - 1)];
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

/* Chooses every hop's instance of chain c once, into sfc_picks (affinity
 * entries are written here). A hop with none: an sr-unaware function that
 * fails open takes instance 0's proxy SID, which bypasses at its turn;
 * otherwise the packet is dropped `instance-down`. Returns 0, or -1 with
 * the packet dropped. Swift Pipeline.chooseSegments. */
SFC_SUBPROG int sfc_choose_segments(struct sfc_state *st, const struct sfc_chain *ch, __u32 hash)
{
    __u32 zero = 0;
    if (!st)
        return -1;
    struct sfc_picks *picks = bpf_map_lookup_elem(&sfc_picks, &zero);
    if (!picks || !ch) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return -1;
    }
    __u32 hops = ch->hop_count;
    for (__u32 k = 0; k < SFC_MAX_HOPS; k++) {
        if (k >= hops)
            break;
        __u32 f = ch->hops[k];
        int i = sfc_choose_instance(st, f, hash);
        if (i < 0) {
            struct sfc_function *fn = SFC_LOOKUP(sfc_functions, st->gen, &f);
            if (!fn || fn->kind != SFC_KIND_SR_UNAWARE || fn->fail_mode != SFC_FAIL_OPEN) {
                sfc_drop(st, SFC_DROP_INSTANCE_DOWN);
                return -1;
            }
            i = 0;
        }
        picks->instance[k & (SFC_MAX_HOPS - 1)] = (__u8)i;
    }
    return 0;
}

/* The inner packet's family and traffic class (the TOS byte of IPv4; 0
 * when the header is short) for the outer header. The inner packet starts
 * `skip` bytes in. Returns 1 (IPv6), 0 (IPv4), or -1 with the packet
 * dropped. */
static __always_inline int sfc_inner_class(struct xdp_md *ctx, struct sfc_state *st, __u32 skip, __u32 *tc)
{
    __u8 b[8] SFC_SLOT = {0};
    __u32 len = sfc_len(ctx) - skip;
    if (len == 0 || sfc_load(ctx, skip, b, 1)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return -1;
    }
    int v6 = b[0] >> 4 == 6;
    *tc = 0;
    if (v6) {
        if (len >= 40 && sfc_load(ctx, skip, b, 2) == 0)
            *tc = (sfc_be16(b) >> 4) & 0xFF;
    } else if (len >= 2 && sfc_load(ctx, skip, b, 2) == 0) {
        *tc = b[1];
    }
    return v6;
}

/* The outer IPv6 header at data (48 bytes checked): version 6, traffic
 * class `tc`, flow label = hash & 0xFFFFF, hop limit 64, SA = srv6-source
 * (from `g`, the globals sfc_push_srv6 checked), DA = `active`. */
static __always_inline void sfc_write_outer6(const struct sfc_globals *g, __u8 *data, __u32 tc, __u32 hash,
                                            __u32 payload, __u32 next, const struct sfc_sid_key *active)
{
    __u32 w = 6u << 28 | tc << 20 | (hash & 0xFFFFF);
    data[0] = w >> 24;
    data[1] = (w >> 16) & 0xFF;
    data[2] = (w >> 8) & 0xFF;
    data[3] = w & 0xFF;
    data[4] = (payload >> 8) & 0xFF;
    data[5] = payload & 0xFF;
    data[6] = next;
    data[7] = SFC_ENCAP_HOP_LIMIT;
    __builtin_memcpy(data + 8, g->srv6_source, 16);
    __builtin_memcpy(data + 24, active->addr, 16);
}

/* The SRH behind the outer header at data (48 bytes checked; packet offset
 * `front`), RFC 8754 s2: Next Header `inner`, Hdr Ext Len, Routing Type 4,
 * Segments Left `sl`, Last Entry, Flags, Tag, then Segment List[i] =
 * P[n-1-i] for the `list` entries (`seg` is scratch). `sign`: the HMAC TLV
 * follows (sfc_sign_srh), counted in Hdr Ext Len and flagged. */
static __always_inline int sfc_write_srh(struct xdp_md *ctx, struct sfc_state *st, __u8 *data, __u32 front, __u32 c,
                                         __u32 n, __u32 list, __u32 sl, __u32 inner, __u32 sign,
                                         struct sfc_sid_key *seg, const struct sfc_chain *ch)
{
    data[40] = inner;
    data[41] = 2 * list + (sign ? SFC_HMAC_TLV_SIZE / 8 : 0);
    data[42] = 4;
    data[43] = sl;
    data[44] = list - 1;
    data[45] = sign ? SFC_HMAC_SRH_FLAG : 0;
    data[46] = 0;
    data[47] = 0;
    if (ch->fixed_segments) {
        /* The whole list in one store (list <= SFC_MAX_SEGMENTS). */
        __u32 bytes = 16 * (list & 0x1F);
        if (bytes == 0 || bytes > sizeof(ch->segment_list) ||
            bpf_xdp_store_bytes(ctx, front + 48, (void *)ch->segment_list, bytes)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
        return 0;
    }
    for (__u32 i = 0; i < SFC_MAX_SEGMENTS; i++) {
        if (i >= list)
            break;
        if (sfc_segment(st, c, n - 1 - i, seg) || sfc_store(ctx, front + 48 + 16 * i, seg->addr, 16)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
    }
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
    struct sfc_sid_key active SFC_SLOT;
    __u32 zero = 0, tc;
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
    /* A signed SRH (hmac-key) carries the HMAC TLV after its list. */
    __u32 sign = list != 0 && ch->has_hmac;
    __u32 srh_len = list == 0 ? 0 : 8 + 16 * list + (sign ? SFC_HMAC_TLV_SIZE : 0);
    /* A classified packet still has its Ethernet header in front
     * (st->skip): the inner packet starts there, and sfc_push_folded pops
     * it with the same adjustment. */
    __u32 skip = st->skip & 0x1F;
    int v6 = sfc_inner_class(ctx, st, skip, &tc);
    if (v6 < 0)
        return 0;
    __u32 inner = v6 ? SFC_NH_IPV6 : SFC_NH_IPV4;
    struct sfc_globals *g = SFC_LOOKUP(sfc_globals, st->gen, &zero);
    if (!g || !g->has_srv6_source) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    if (sfc_choose_segments(st, ch, hash))
        return 0;
    if (ch->fixed_segments && sl < SFC_MAX_SEGMENTS) {
        __builtin_memcpy(active.addr, ch->segment_list + 16 * sl, 16);
    } else if (sfc_segment(st, c, n - 1 - sl, &active)) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    int front = sfc_push_folded(ctx, st, skip, 40 + srh_len);
    if (front < 0)
        return 0;
    __u8 *data = (__u8 *)(long)ctx->data + front;
    if (data + 48 > (__u8 *)(long)ctx->data_end) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    __u32 payload = sfc_len(ctx) - front - 40;
    sfc_write_outer6(g, data, tc, hash, payload, srh_len ? SFC_NH_ROUTING : inner, &active);
    if (!srh_len)
        return 0;
    return sfc_write_srh(ctx, st, data, front, c, n, list, sl, inner, sign, &active, ch);
}

#endif

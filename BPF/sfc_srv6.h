/* sfc XDP dataplane: SRv6 - H.Encaps / H.Encaps.Red (RFC 8986 s5.1, s5.2),
 * the SRH checks of RFC 8754 s4.3.1.1, the endpoint behaviours of RFC 8986
 * s4 (End, End.X, End.DX4, End.DX6, End.DT4, End.DT6), IPv6 transit
 * routing, and the outbound halves of the SR proxies
 * (draft-ietf-spring-sr-service-programming s6: End.AS, End.AD, End.AM).
 * Mirrors Sources/SFCCore/Pipeline/SRv6Path.swift and Proxies.swift. */
#ifndef SFC_SRV6_H
#define SFC_SRV6_H

#include "sfc_counters.h"
#include "sfc_egress.h"
#include "sfc_maps.h"
#include "sfc_parse.h"
#include "sfc_state.h"

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

/* End.DX4 / End.DX6 / End.DT4 / End.DT6 (RFC 8986 s4.4-s4.8): with an SRH,
 * SL must be 0; the upper-layer header must be the SID's family; remove
 * the outer header and its extension headers; DX sends to its adjacency,
 * DT looks the inner destination up. The inner packet is not changed. */
SFC_SUBPROG int sfc_decapsulate(struct xdp_md *ctx, struct sfc_state *st)
{
    struct sfc_srh_info info = {};
    __u8 addr[16] SFC_SLOT;
    if (!st)
        return 0;
    __u32 behavior = st->sid.behavior;
    if (sfc_checked_srh(ctx, st, 0, &info))
        return 0;
    if (info.has_srh && info.sl != 0) {
        sfc_drop(st, SFC_DROP_SRV6_SL_NOT_ZERO);
        return 0;
    }
    int v4 = behavior == SFC_BEH_END_DX4 || behavior == SFC_BEH_END_DT4;
    if (info.chain.upper_proto != (v4 ? SFC_NH_IPV4 : SFC_NH_IPV6)) {
        sfc_drop(st, SFC_DROP_SRV6_INNER_MISMATCH);
        return 0;
    }
    if (sfc_pop_l3(ctx, st, info.chain.upper_offset)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    if (!st->skip)
        sfc_trim_to_ip(ctx);
    __u32 len = sfc_l3_len(ctx, st);
    int found = 0;
    if (behavior == SFC_BEH_END_DX4 || behavior == SFC_BEH_END_DX6) {
        if (st->sid.via.port != SFC_NONE) {
            st->via = st->sid.via;
            found = 1;
        }
    } else if (behavior == SFC_BEH_END_DT4) {
        if (len >= 20 && sfc_load(ctx, 16, addr, 4) == 0)
            found = sfc_route4(st, addr) == 0;
    } else {
        if (len >= 40 && sfc_load(ctx, 24, addr, 16) == 0)
            found = sfc_route6(st, addr) == 0;
    }
    if (!found) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    sfc_emit(ctx, st, v4 ? SFC_ETH_P_IPV4 : SFC_ETH_P_IPV6);
    /* The SID that ends exactly one chain counts its deliveries. */
    if (st->egress != SFC_NONE && st->sid.chain >= 0)
        sfc_count_hop(st->gen, (__u32)st->sid.chain, (__u32)st->sid.position, -1, -1);
    return 0;
}

/* SR proxy towards the SR-unaware function
 * (draft-ietf-spring-sr-service-programming s6.1.1 End.AS, s6.2.1 End.AD,
 * s6.4.1 End.AM): AS and AD remove the outer headers (AD first advances
 * them and caches them for the return), AM keeps the SRH and masquerades
 * the DA with Segment List[0]. */
SFC_SUBPROG int sfc_proxy_out(struct xdp_md *ctx, struct sfc_state *st)
{
    struct sfc_srh_info info = {};
    if (!st)
        return 0;
    if (st->sid.via.port == SFC_NONE) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    st->via = st->sid.via;
    __u32 behavior = st->sid.behavior;
    if (sfc_checked_srh(ctx, st, 1, &info))
        return 0;
    if (behavior == SFC_BEH_END_AS || behavior == SFC_BEH_END_AD) {
        __u32 inner = info.chain.upper_proto;
        if (inner != SFC_NH_IPV4 && inner != SFC_NH_IPV6) {
            sfc_drop(st, SFC_DROP_SRV6_INNER_MISMATCH);
            return 0;
        }
        __u32 upper = info.chain.upper_offset;
        if (behavior == SFC_BEH_END_AD) {
            /* Learn the headers as they leave after this SID: hop limit and
             * SL decremented, DA the next segment (s6.2.1). */
            if (sfc_advance(ctx, st, &info, 0))
                return 0;
            __u32 slot = (__u32)st->sid.cache_slot;
            if (st->sid.cache_slot < 0 || upper > SFC_PROXY_CACHE_BYTES || upper < 40) {
                sfc_drop(st, SFC_DROP_SRH_MALFORMED);
                return 0;
            }
            struct sfc_proxy_cache *cache = bpf_map_lookup_elem(&sfc_proxy_cache, &slot);
            if (!cache || bpf_xdp_load_bytes(ctx, st->skip & 0x1F, cache->bytes, upper)) {
                sfc_drop(st, SFC_DROP_SRH_MALFORMED);
                return 0;
            }
            cache->length = upper;
            cache->inner_type = inner;
        }
        if (sfc_pop_l3(ctx, st, upper)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
        if (!st->skip)
            sfc_trim_to_ip(ctx);
        sfc_emit(ctx, st, inner == SFC_NH_IPV4 ? SFC_ETH_P_IPV4 : SFC_ETH_P_IPV6);
    } else {
        /* End.AM: the function gets the IPv6 packet with the last segment
         * in the DA, SRH kept, SL already pointing at the next segment. */
        if (sfc_advance(ctx, st, &info, 1))
            return 0;
        sfc_emit(ctx, st, SFC_ETH_P_IPV6);
    }
    if (st->egress != SFC_NONE && st->sid.chain >= 0)
        sfc_count_hop(st->gen, (__u32)st->sid.chain, (__u32)st->sid.position, st->sid.function, st->sid.instance);
    return 0;
}

/* Runs the local SID in st->sid (RFC 8986 s4). Returns 1 when the packet's
 * DA changed and it must be looked up again here (End), else 0. */
SFC_SUBPROG int sfc_endpoint(struct xdp_md *ctx, struct sfc_state *st)
{
    struct sfc_srh_info info = {};
    if (!st)
        return 0;
    __u32 behavior = st->sid.behavior;
    switch (behavior) {
    case SFC_BEH_END:
    case SFC_BEH_END_X:
        /* RFC 8986 s4.1 (End), s4.2 (End.X). */
        if (sfc_checked_srh(ctx, st, 1, &info))
            return 0;
        if (sfc_advance(ctx, st, &info, 0))
            return 0;
        if (behavior == SFC_BEH_END)
            return 1;
        if (st->sid.via.port == SFC_NONE) {
            sfc_drop(st, SFC_DROP_NO_ROUTE);
            return 0;
        }
        st->via = st->sid.via;
        sfc_emit(ctx, st, SFC_ETH_P_IPV6);
        return 0;
    case SFC_BEH_END_DX4:
    case SFC_BEH_END_DX6:
    case SFC_BEH_END_DT4:
    case SFC_BEH_END_DT6:
        sfc_decapsulate(ctx, st);
        return 0;
    case SFC_BEH_END_AS:
    case SFC_BEH_END_AD:
    case SFC_BEH_END_AM:
        sfc_proxy_out(ctx, st);
        return 0;
    default:
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
}

/* The packet's DA decides: a local SID runs its behaviour (and may hand the
 * packet back here), anything else goes by the IPv6 routes (hop limit not
 * decremented: originated or already handled here). st->known says st->sid
 * already holds the DA's entry (dispatch looked it up). */
SFC_SUBPROG int sfc_ipv6_output(struct xdp_md *ctx, struct sfc_state *st)
{
    struct sfc_sid_key key;
    if (!st)
        return 0;
    for (int i = 0; i < SFC_MAX_LOCAL_SIDS; i++) {
        if (!sfc_pending(st))
            return 0;
        /* The IPv6 header starts st->skip bytes in (the Ethernet header,
         * or room for it after H.Encaps); the endpoints read behind it. */
        __u32 skip = st->skip & 0x1F;
        if (sfc_len(ctx) - skip < 40 || sfc_load(ctx, skip + 24, key.addr, 16)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
        if (!st->known) {
            struct sfc_sid_entry *e = SFC_LOOKUP(sfc_sids, st->gen, &key);
            if (!e) {
                if (sfc_route6(st, key.addr)) {
                    sfc_drop(st, SFC_DROP_NO_ROUTE);
                    return 0;
                }
                return sfc_emit(ctx, st, SFC_ETH_P_IPV6);
            }
            __builtin_memcpy(&st->sid, e, sizeof(st->sid));
        }
        st->known = 0;
        if (!sfc_endpoint(ctx, st))
            return 0;
    }
    if (sfc_pending(st))
        sfc_drop(st, SFC_DROP_NO_ROUTE);
    return 0;
}

/* Headend (RFC 8986 s5.1/s5.2): classify put the packet on an SRv6 chain.
 * Every hop's instance is fixed here, in the segment list, and counted
 * (SR-unaware ones by the proxy instead). */
SFC_SUBPROG int sfc_srv6_encap(struct xdp_md *ctx, struct sfc_state *st, __u32 c)
{
    if (!st)
        return 0;
    __u32 hash = sfc_hash_ip(ctx, st->skip & 0x1F);
    struct sfc_chain *ch = SFC_LOOKUP(sfc_chains, st->gen, &c);
    if (!ch) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    __u32 hops = ch->hop_count;
    sfc_push_srv6(ctx, st, c, hops, hash);
    if (!sfc_pending(st))
        return 0;
    for (__u32 k = 0; k < SFC_MAX_HOPS; k++) {
        if (k >= hops)
            break;
        ch = SFC_LOOKUP(sfc_chains, st->gen, &c);
        if (!ch)
            break;
        __u32 f = ch->hops[k];
        struct sfc_function *fn = SFC_LOOKUP(sfc_functions, st->gen, &f);
        if (!fn)
            continue;
        /* SR-unaware instances are counted by this node's proxy when it
         * hands them the packet (sfc_proxy_out), once. */
        if (fn->kind == SFC_KIND_SR_UNAWARE)
            continue;
        __u32 i = fn->buckets[sfc_flow_bucket(hash)];
        sfc_count_instance_index(fn->instance_counter_base + i);
    }
    st->known = 0;
    return sfc_ipv6_output(ctx, st);
}

/* Trusted IPv6 traffic that is neither classified nor for us (and SRv6 in
 * transit): RFC 8200 s3 hop limit, then the routes. */
SFC_SUBPROG int sfc_ipv6_transit(struct xdp_md *ctx, struct sfc_state *st)
{
    __u8 da[16] SFC_SLOT;
    if (!st)
        return 0;
    __u8 *data = sfc_head(ctx, st, 40);
    if (!data)
        return 0;
    if (data[7] <= 1) {
        sfc_drop(st, SFC_DROP_SRV6_HOP_LIMIT_EXPIRED);
        return 0;
    }
    data[7] -= 1;
    __builtin_memcpy(da, data + 24, 16);
    if (sfc_route6(st, da)) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    return sfc_emit(ctx, st, SFC_ETH_P_IPV6);
}

#endif

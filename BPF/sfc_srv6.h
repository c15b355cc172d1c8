/* sfc XDP dataplane: SRv6 - the local SIDs (RFC 8986 s4: each behaviour
 * in BPF/behaviors/), the SR proxies' way towards the SR-unaware function
 * (draft-ietf-spring-sr-service-programming s6), the headend that puts a
 * classified packet on its chain (RFC 8986 s5.1, s5.2), and IPv6 transit
 * routing. Mirrors Sources/SFCCore/Pipeline/SRv6Path.swift and
 * Proxies.swift. */
#ifndef SFC_SRV6_H
#define SFC_SRV6_H

#include "sfc_counters.h"
#include "sfc_egress.h"
#include "sfc_instance.h"
#include "sfc_maps.h"
#include "sfc_parse.h"
#include "sfc_srh.h"
#include "sfc_state.h"
#include "behaviors/end.h"
#include "behaviors/end_ad.h"
#include "behaviors/end_am.h"
#include "behaviors/end_as.h"
#include "behaviors/end_dx_dt.h"
#include "behaviors/h_encaps.h"
#include "behaviors/probe_sid.h"

/* SR proxy towards the SR-unaware function (End.AS, End.AD, End.AM): the
 * SID's adjacency leads to the function, the SRH is checked as End checks
 * it, then the behaviour's own part; the hop and the instance are counted
 * here, when the packet leaves for the function. Returns 1 when the
 * instance was down and the SID acted as End (look the new DA up). */
SFC_SUBPROG int sfc_proxy_out(struct xdp_md *ctx, struct sfc_state *st)
{
    struct sfc_srh_info info = {};
    if (!st)
        return 0;
    /* The SID's instance is down: its function fails closed (drop
     * instance-down) or open, as End (the next segment, looked up again). */
    if (st->sid.function >= 0 && st->sid.instance >= 0 &&
        sfc_instance_down(st->gen, (__u32)st->sid.function, (__u32)st->sid.instance)) {
        if (!sfc_fails_open(st->gen, (__u32)st->sid.function)) {
            sfc_drop(st, SFC_DROP_INSTANCE_DOWN);
            return 0;
        }
        if (sfc_checked_srh(ctx, st, 1, &info) || sfc_advance(ctx, st, &info, 0))
            return 0;
        sfc_count_event(SFC_EVENT_HOP_BYPASSED);
        return 1;
    }
    if (st->sid.via.port == SFC_NONE) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    st->via = st->sid.via;
    __u32 behavior = st->sid.behavior;
    if (sfc_checked_srh(ctx, st, 1, &info))
        return 0;
    if (behavior == SFC_BEH_END_AS)
        sfc_end_as_out(ctx, st, &info);
    else if (behavior == SFC_BEH_END_AD)
        sfc_end_ad_out(ctx, st, &info);
    else
        sfc_end_am_out(ctx, st, &info);
    /* -1 (none) reads as SFC_NONE. */
    sfc_note_hop(st, (__u32)st->sid.chain, (__u32)st->sid.function, (__u32)st->sid.instance);
    if (st->egress != SFC_NONE && st->sid.chain >= 0)
        sfc_count_hop(st->gen, (__u32)st->sid.chain, (__u32)st->sid.position, st->sid.function, st->sid.instance);
    return 0;
}

/* Runs the local SID in st->sid (RFC 8986 s4) by its behaviour's action
 * (BPF/include/sfc_behaviors.h). Returns 1 when the packet's DA changed and
 * it must be looked up again here (End), else 0. */
SFC_SUBPROG int sfc_endpoint(struct xdp_md *ctx, struct sfc_state *st)
{
    if (!st)
        return 0;
    int action = sfc_behavior_action(st->sid.behavior);
    switch (action) {
    case SFC_ACTION_ENDPOINT:
    case SFC_ACTION_XCONNECT:
        return sfc_end(ctx, st, action);
    case SFC_ACTION_DECAP_XCONNECT:
    case SFC_ACTION_DECAP_LOOKUP:
        sfc_decapsulate(ctx, st, action);
        return 0;
    case SFC_ACTION_PROXY:
        return sfc_proxy_out(ctx, st);
    case SFC_ACTION_PROBE:
        sfc_probe_sid(ctx, st);
        return 0;
    default:
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
}

/* The sfc_sids entry of `key` in generation `gen` copied to `out`: 1, or 0
 * when the address has none. Linear probing from sfc_sid_home, at most
 * SFC_SID_PROBES slots, an empty one ending the search (the loader's layout,
 * Sources/SFCXDP/SlotLayout.swift), instead of a kernel hash map (jhash
 * over 16 bytes and a bucket walk). A global function: verified once, and
 * its loop is not unrolled into its callers' loops. */
SFC_SUBPROG int sfc_sid_find(__u32 gen, const struct sfc_sid_key *key, struct sfc_sid_entry *out)
{
    if (!key || !out)
        return 0;
    void *inner = bpf_map_lookup_elem(&sfc_sids, &gen);
    if (!inner)
        return 0;
    __u32 home = sfc_sid_home(key);
    for (__u32 i = 0; i < SFC_SID_PROBES; i++) {
        __u32 slot = (home + i) & (SFC_SID_SLOTS - 1);
        struct sfc_sid_slot *e = bpf_map_lookup_elem(inner, &slot);
        if (!e || !e->used)
            return 0;
        if (__builtin_memcmp(e->key.addr, key->addr, 16) == 0) {
            __builtin_memcpy(out, &e->entry, sizeof(*out));
            return 1;
        }
    }
    return 0;
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
        /* st->sid is scratch until a local SID's behaviour runs. */
        if (!st->known) {
            if (!sfc_sid_find(st->gen, &key, &st->sid)) {
                if (sfc_route6(st, key.addr)) {
                    sfc_drop(st, SFC_DROP_NO_ROUTE);
                    return 0;
                }
                return sfc_emit(ctx, st, SFC_ETH_P_IPV6);
            }
            if (st->sid.behavior == SFC_SID_ROUTE_ONLY) {
                sfc_set_via(st, &st->sid.via);
                return sfc_emit(ctx, st, SFC_ETH_P_IPV6);
            }
        }
        st->known = 0;
        if (!sfc_endpoint(ctx, st))
            return 0;
    }
    /* Bounded so that a crafted SRH naming this node again and again ends. */
    if (sfc_pending(st))
        sfc_drop(st, SFC_DROP_SRV6_LOCAL_LOOP);
    return 0;
}

/* Headend (RFC 8986 s5.1/s5.2): classify put the packet on an SRv6 chain.
 * Every hop's instance is fixed here, in the segment list, and counted
 * (SR-unaware ones by the proxy instead). */
SFC_SUBPROG int sfc_srv6_encap(struct xdp_md *ctx, struct sfc_state *st, __u32 c, const struct sfc_chain *ch)
{
    __u32 zero = 0;
    if (!st)
        return 0;
    __u32 hash = sfc_hash_ip(ctx, st->skip & 0x1F);
    if (!ch) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    __u32 hops = ch->hop_count;
    sfc_push_srv6(ctx, st, c, hops, hash);
    /* Signed here, not inside the push: one frame less under the SHA-256
     * rounds keeps the combined stack within 512 bytes. */
    if (sfc_pending(st) && ch->has_hmac)
        sfc_sign_srh(ctx, st, c);
    if (!sfc_pending(st))
        return 0;
    struct sfc_picks *picks = bpf_map_lookup_elem(&sfc_picks, &zero);
    for (__u32 k = 0; k < SFC_MAX_HOPS; k++) {
        if (k >= hops || !picks)
            break;
        __u32 i = picks->instance[k & (SFC_MAX_HOPS - 1)];
        if (k == 0)
            st->instance = i;
        /* SR-unaware instances (base -1) are counted by this node's proxy
         * when it hands them the packet (sfc_proxy_out), once. */
        __s32 base = ch->hop_instance_base[k & (SFC_MAX_HOPS - 1)];
        if (base >= 0)
            sfc_count_instance_index(st->gen, (__u32)base + i);
    }
    st->known = 0;
    if (ch->active_via.port != SFC_NONE) {
        sfc_set_via(st, &ch->active_via);
        return sfc_emit(ctx, st, SFC_ETH_P_IPV6);
    }
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

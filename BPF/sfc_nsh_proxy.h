/* sfc XDP dataplane: the NSH proxy in front of an NSH-unaware SF (RFC 8300
 * s4.6, RFC 7665): on the way out it strips NSH and keeps the header the
 * flow leaves with, per flow; what comes back gets that header again
 * (sfc_proxy_return.h).
 * Mirrors Pipeline.saveNSHState / restoreNSHState in
 * Sources/SFCCore/Pipeline/NSHPath.swift. */
#ifndef SFC_NSH_PROXY_H
#define SFC_NSH_PROXY_H

#include "sfc_egress.h"
#include "sfc_instance.h"
#include "sfc_maps.h"
#include "sfc_parse.h"
#include "sfc_state.h"

/* NSH proxy state, outbound: keep the `hl`-byte NSH header at offset `at`
 * (as it leaves: TTL decremented) in the slot of flow `hash` within the
 * block starting at `first` (already in the packet's generation slot),
 * overwriting what the slot held (counted nsh-proxy-evicted when that was
 * another flow's). Mirrors
 * Pipeline.saveNSHState. */
SFC_SUBPROG int sfc_nsh_state_save(struct xdp_md *ctx, __u32 first, __u32 at, __u32 hl, __u32 hash)
{
    __u32 key = first + (hash & (SFC_NSH_PROXY_FLOWS - 1));
    struct sfc_nsh_state *s = bpf_map_lookup_elem(&sfc_nsh_proxy_state, &key);
    if (!s)
        return 0;
    if (hl < 8 || hl > SFC_NSH_STATE_BYTES)
        return 0;
    if (s->valid && s->hash != hash)
        sfc_count_event(SFC_EVENT_NSH_PROXY_EVICTED);
    s->valid = 0;
    if (bpf_xdp_load_bytes(ctx, at & 0x7F, s->bytes, hl))
        return 0;
    s->hash = hash;
    s->length = hl;
    s->valid = 1;
    return 0;
}

/* NSH proxy, outbound: instance `in` of an NSH-unaware function gets the
 * bare packet (the `hl`-byte NSH at `base` removed, next protocol `np`);
 * the header is remembered for what comes back when the instance has a
 * state block. `hash` is the inner flow hash when `count` (the function's
 * instances) made the SFF compute it. */
static __always_inline int sfc_nsh_proxy_out(struct xdp_md *ctx, struct sfc_state *st, struct sfc_instance *in,
                                             __u32 np, __u32 base, __u32 hl, __u32 count, __u32 hash)
{
    if (in->attachment.port == SFC_NONE) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    sfc_set_via(st, &in->attachment);
    __s32 first = in->nsh_state_slot;
    __u32 type;
    if (np == SFC_NSH_NP_IPV4) {
        type = SFC_ETH_P_IPV4;
    } else if (np == SFC_NSH_NP_IPV6) {
        type = SFC_ETH_P_IPV6;
    } else {
        sfc_drop(st, SFC_DROP_NSH_UNKNOWN_NEXT_PROTOCOL);
        return 0;
    }
    if (!sfc_inner_ok(ctx, (base & 0x1FF) + (hl & 0x3FF), np == SFC_NSH_NP_IPV4)) {
        sfc_drop(st, SFC_DROP_NSH_INNER_MALFORMED);
        return 0;
    }
    /* Remember the header this flow leaves with, for what comes back. */
    if (first >= 0) {
        if (count <= 1)
            hash = sfc_hash_ip(ctx, base + hl);
        sfc_nsh_state_save(ctx, sfc_gen_key(st->gen, SFC_NSH_STATE_SLOTS, (__u32)first), base, hl, hash);
    }
    if (sfc_pop_l3(ctx, st, hl)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    if (!st->skip)
        sfc_trim_to_ip(ctx);
    return sfc_emit(ctx, st, type);
}

/* NSH proxy state, inbound (Pipeline.restoreNSHState): when the slot of
 * the returned packet's flow in the block starting at `first` holds a
 * header for that flow, push it with SI - 1 and next protocol `np`, and
 * return 1 (also when the push fails: then the packet is dropped);
 * return 0 when there is no state for the flow. */
SFC_SUBPROG int sfc_nsh_state_restore(struct xdp_md *ctx, struct sfc_state *st, __u32 first, __u32 np)
{
    if (!st)
        return 0;
    __u32 hash = sfc_hash_ip(ctx, 0);
    __u32 key = sfc_gen_key(st->gen, SFC_NSH_STATE_SLOTS, first + (hash & (SFC_NSH_PROXY_FLOWS - 1)));
    struct sfc_nsh_state *s = bpf_map_lookup_elem(&sfc_nsh_proxy_state, &key);
    if (!s || !s->valid || s->hash != hash)
        return 0;
    __u32 length = s->length;
    if (length < 8 || length > SFC_NSH_STATE_BYTES)
        return 0;
    if (sfc_push(ctx, length)) {
        sfc_drop(st, SFC_DROP_NO_HEADROOM);
        return 1;
    }
    s = bpf_map_lookup_elem(&sfc_nsh_proxy_state, &key);
    if (!s || bpf_xdp_store_bytes(ctx, 0, s->bytes, length)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 1;
    }
    __u8 *data = sfc_head(ctx, st, 8);
    if (!data)
        return 1;
    data[3] = np;
    data[7] = data[7] - 1;
    return 1;
}

#endif

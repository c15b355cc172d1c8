/* sfc XDP dataplane: the decapsulating endpoint behaviours of RFC 8986,
 * End.DX6 (s4.4), End.DX4 (s4.5), End.DT6 (s4.6), End.DT4 (s4.7) and any
 * other behaviour of action DECAP_* in BPF/include/sfc_behaviors.h: the
 * inner packet leaves without its outer headers, to the SID's adjacency
 * (DX) or by the routes (DT). */
#ifndef SFC_BEHAVIORS_END_DX_DT_H
#define SFC_BEHAVIORS_END_DX_DT_H

#include "../sfc_counters.h"
#include "../sfc_egress.h"
#include "../sfc_parse.h"
#include "../sfc_srh.h"
#include "../sfc_state.h"

/* With an SRH, SL must be 0; the upper-layer header must be a family the
 * behaviour accepts (sfc_behavior_inner); remove the outer header and its
 * extension headers; DX (SFC_ACTION_DECAP_XCONNECT) sends to the SID's
 * adjacency, DT (SFC_ACTION_DECAP_LOOKUP) looks the inner destination up in
 * the routes of its family. The inner packet is not changed. */
SFC_SUBPROG int sfc_decapsulate(struct xdp_md *ctx, struct sfc_state *st, int action)
{
    struct sfc_srh_info info = {};
    __u8 addr[16] SFC_SLOT;
    if (!st)
        return 0;
    unsigned int inner = sfc_behavior_inner(st->sid.behavior);
    if (sfc_checked_srh(ctx, st, 0, &info))
        return 0;
    if (info.has_srh && info.sl != 0) {
        sfc_drop(st, SFC_DROP_SRV6_SL_NOT_ZERO);
        return 0;
    }
    int v4 = info.chain.upper_proto == SFC_NH_IPV4;
    if (!(v4 || info.chain.upper_proto == SFC_NH_IPV6) || !(inner & (v4 ? SFC_INNER_IPV4 : SFC_INNER_IPV6)) ||
        !sfc_inner_ok(ctx, (st->skip & 0x1F) + info.chain.upper_offset, v4)) {
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
    if (action == SFC_ACTION_DECAP_XCONNECT) {
        if (st->sid.via.port != SFC_NONE) {
            st->via = st->sid.via;
            found = 1;
        }
    } else if (v4) {
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
    if (st->sid.chain >= 0)
        st->chain = (__u32)st->sid.chain;
    if (st->egress != SFC_NONE && st->sid.chain >= 0)
        sfc_count_hop(st->gen, (__u32)st->sid.chain, (__u32)st->sid.position, -1, -1);
    return 0;
}

#endif

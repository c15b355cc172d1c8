/* sfc XDP dataplane: the endpoint behaviours End (RFC 8986 s4.1) and End.X
 * (s4.2): check the SRH, advance to the next segment, then look the new DA
 * up here (End) or send the packet to the SID's adjacency (End.X). */
#ifndef SFC_BEHAVIORS_END_H
#define SFC_BEHAVIORS_END_H

#include "../sfc_egress.h"
#include "../sfc_parse.h"
#include "../sfc_srh.h"
#include "../sfc_state.h"

/* End / End.X (action SFC_ACTION_ENDPOINT / XCONNECT) for the local SID in
 * st->sid. Returns 1 when the DA changed and must be looked up again here
 * (End), else 0. */
static __always_inline int sfc_end(struct xdp_md *ctx, struct sfc_state *st, int action)
{
    struct sfc_srh_info info = {};
    if (sfc_checked_srh(ctx, st, 1, &info))
        return 0;
    if (sfc_advance(ctx, st, &info, 0))
        return 0;
    if (action == SFC_ACTION_ENDPOINT)
        return 1;
    if (st->sid.via.port == SFC_NONE) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    st->via = st->sid.via;
    sfc_emit(ctx, st, SFC_ETH_P_IPV6);
    return 0;
}

#endif

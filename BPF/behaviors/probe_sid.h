/* sfc XDP dataplane: the node's probe SID (action PROBE of
 * include/sfc_behaviors.h), where the liveness probes of sr-aware
 * functions come back with SL 0: the inner IPv4 packet must be a probe,
 * recorded and consumed (docs/PIPELINE.md "Liveness probes"). Mirrors
 * Sources/SFCCore/Pipeline/Behaviors/ProbeSID.swift. */
#ifndef SFC_BEHAVIORS_PROBE_SID_H
#define SFC_BEHAVIORS_PROBE_SID_H

#include "../sfc_probe.h"
#include "../sfc_srh.h"
#include "../sfc_state.h"

SFC_SUBPROG int sfc_probe_sid(struct xdp_md *ctx, struct sfc_state *st)
{
    struct sfc_srh_info info = {};
    if (!st)
        return 0;
    if (sfc_checked_srh(ctx, st, 0, &info))
        return 0;
    if (info.has_srh && info.sl != 0) {
        sfc_drop(st, SFC_DROP_SRV6_SL_NOT_ZERO);
        return 0;
    }
    if (info.chain.upper_proto != SFC_NH_IPV4) {
        sfc_drop(st, SFC_DROP_SRV6_INNER_MISMATCH);
        return 0;
    }
    __u32 inner = (st->skip & 0x1F) + info.chain.upper_offset;
    if (inner >= sfc_len(ctx) || !sfc_probe_consume(ctx, st, inner))
        sfc_drop(st, SFC_DROP_SRV6_NOT_A_PROBE);
    return 0;
}

#endif

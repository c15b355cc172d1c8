/* sfc XDP dataplane: End.AM, the masquerading SR proxy
 * (draft-ietf-spring-sr-service-programming s6.4): the SR-unaware function
 * gets the IPv6 packet with the SRH kept, advanced, and the last segment in
 * the DA; what it returns is de-masqueraded (DA = Segment List[SL]) and
 * looked up again. Mirrors Pipeline.proxyOut / proxyReturn in
 * Sources/SFCCore/Pipeline/Proxies.swift. */
#ifndef SFC_BEHAVIORS_END_AM_H
#define SFC_BEHAVIORS_END_AM_H

#include "../sfc_egress.h"
#include "../sfc_parse.h"
#include "../sfc_srh.h"
#include "../sfc_state.h"

/* End.AM towards the function (s6.4.1), SRH already checked (`info`): SL
 * decremented, so it already points at the next segment, and Segment
 * List[0] in the DA. */
static __always_inline void sfc_end_am_out(struct xdp_md *ctx, struct sfc_state *st, struct sfc_srh_info *info)
{
    if (sfc_advance(ctx, st, info, 1))
        return;
    sfc_emit(ctx, st, SFC_ETH_P_IPV6);
}

/* End.AM de-masquerading (s6.4.1) of the IPv6 packet at data: DA =
 * Segment List[SL]. Returns 0 when the DA is to be looked up, -1 when the
 * packet is dropped. */
SFC_SUBPROG int sfc_demasquerade(struct xdp_md *ctx, struct sfc_state *st)
{
    struct sfc_srh_info info = {};
    __u8 seg[16] SFC_SLOT;
    if (!st)
        return -1;
    if (sfc_checked_srh(ctx, st, 0, &info))
        return -1;
    if (!info.has_srh) {
        sfc_drop(st, SFC_DROP_SRV6_NO_SRH);
        return -1;
    }
    if (info.sl > info.last_entry) {
        sfc_drop(st, SFC_DROP_SRH_SL_OUT_OF_RANGE);
        return -1;
    }
    __u32 so = (__u32)info.chain.srh_offset & SFC_MAX_OFFSET;
    if (sfc_load(ctx, (so + 8 + 16 * (__u32)info.sl) & SFC_MAX_OFFSET, seg, 16) ||
        sfc_store(ctx, 24, seg, 16)) {
        sfc_drop(st, SFC_DROP_SRH_MALFORMED);
        return -1;
    }
    return 0;
}

/* End.AM, what the function returns (IPv4 when `v4`: the function had an
 * IPv6 packet, so that is a mismatch). Returns as sfc_demasquerade. */
static __always_inline int sfc_end_am_return(struct xdp_md *ctx, struct sfc_state *st, int v4)
{
    if (v4) {
        sfc_drop(st, SFC_DROP_SRV6_INNER_MISMATCH);
        return -1;
    }
    return sfc_demasquerade(ctx, st);
}

#endif

/* sfc XDP dataplane: End.AS, the static SR proxy
 * (draft-ietf-spring-sr-service-programming s6.1): towards the SR-unaware
 * function the outer IPv6 header and its extension headers are removed;
 * what the function returns on the proxy's return attachment gets the
 * chain's headers again, with the segment after this one active. Mirrors
 * Pipeline.proxyOut / proxyReturn in Sources/SFCCore/Pipeline/Proxies.swift. */
#ifndef SFC_BEHAVIORS_END_AS_H
#define SFC_BEHAVIORS_END_AS_H

#include "../sfc_egress.h"
#include "../sfc_parse.h"
#include "../sfc_srh.h"
#include "../sfc_state.h"
#include "h_encaps.h"

/* The inner packet End.AS and End.AD hand the function: its Next Header
 * (IPv4 or IPv6, a whole header: sfc_inner_ok), or 0 with the packet
 * dropped. */
static __always_inline __u32 sfc_proxy_inner(struct xdp_md *ctx, struct sfc_state *st, const struct sfc_srh_info *info)
{
    __u32 inner = info->chain.upper_proto;
    if ((inner != SFC_NH_IPV4 && inner != SFC_NH_IPV6) ||
        !sfc_inner_ok(ctx, (st->skip & 0x1F) + info->chain.upper_offset, inner == SFC_NH_IPV4)) {
        sfc_drop(st, SFC_DROP_SRV6_INNER_MISMATCH);
        return 0;
    }
    return inner;
}

/* Remove the outer headers (the `upper` bytes in front of the inner packet,
 * Next Header `inner`) and send the inner packet to the function (st->via). */
static __always_inline void sfc_proxy_decap(struct xdp_md *ctx, struct sfc_state *st, __u32 upper, __u32 inner)
{
    if (sfc_pop_l3(ctx, st, upper)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return;
    }
    if (!st->skip)
        sfc_trim_to_ip(ctx);
    sfc_emit(ctx, st, inner == SFC_NH_IPV4 ? SFC_ETH_P_IPV4 : SFC_ETH_P_IPV6);
}

/* End.AS towards the function (s6.1.1), SRH already checked (`info`). */
static __always_inline void sfc_end_as_out(struct xdp_md *ctx, struct sfc_state *st, struct sfc_srh_info *info)
{
    __u32 inner = sfc_proxy_inner(ctx, st, info);
    if (!inner)
        return;
    sfc_proxy_decap(ctx, st, info->chain.upper_offset, inner);
}

/* End.AS, what the function returns (s6.1.1): the headers of chain c
 * (`ch`) with the segment after hop k active; instances and flow label
 * from the returned packet, which starts at data. Returns 0 when the new
 * DA is to be looked up, -1 when the packet is dropped. */
static __always_inline int sfc_end_as_return(struct xdp_md *ctx, struct sfc_state *st, struct sfc_chain *ch, __u32 c,
                                             __u32 k)
{
    if (!ch) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return -1;
    }
    __u32 n = (__u32)ch->hop_count + 1;
    __u32 hash = sfc_hash_ip(ctx, 0);
    sfc_push_srv6(ctx, st, c, (n - 2 - k) & 0xFF, hash);
    return sfc_pending(st) ? 0 : -1;
}

#endif

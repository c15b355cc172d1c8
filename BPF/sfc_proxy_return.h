/* sfc XDP dataplane: what comes back from a function that does not
 * understand the service header, on its return attachment (port, VLAN):
 * the NSH proxy restores NSH (RFC 8300 s4.6, RFC 7665), End.AS pushes the
 * chain's headers again (draft-ietf-spring-sr-service-programming s6.1.1),
 * End.AD pushes the headers it learned (s6.2.1), End.AM de-masquerades
 * (s6.4.1); the SR proxies then look the new DA up. Mirrors
 * Pipeline.proxyReturn in Sources/SFCCore/Pipeline/Proxies.swift. */
#ifndef SFC_PROXY_RETURN_H
#define SFC_PROXY_RETURN_H

#include "sfc_maps.h"
#include "sfc_nsh.h"
#include "sfc_nsh_proxy.h"
#include "sfc_parse.h"
#include "sfc_srv6.h"
#include "sfc_state.h"
#include "behaviors/end_ad.h"
#include "behaviors/end_am.h"
#include "behaviors/end_as.h"

/* NSH proxy, inbound: restore NSH as the SF would have returned it - the
 * header the flow left with (state block `slot`), SI - 1; without state
 * for the flow, the chain's configured header: SI - 1 and the TTL our own
 * classifier's packets leave with (one SFF decrement per hop so far,
 * never 0) - then forward it as the SFF does. The packet came back from
 * hop k of chain c (`ch`). */
static __always_inline int sfc_nsh_proxy_return(struct xdp_md *ctx, struct sfc_state *st, struct sfc_chain *ch,
                                                __u32 c, __u32 k, __s32 slot, int v4)
{
    if (!ch) {
        sfc_drop(st, SFC_DROP_NSH_NO_PATH);
        return 0;
    }
    __u32 si = ((__u32)ch->start_si - k - 1) & 0xFF;
    __s32 t = (__s32)ch->ttl - (__s32)(k + 1);
    __u32 ttl = t < 1 ? 1 : (__u32)t;
    __u32 np = v4 ? SFC_NSH_NP_IPV4 : SFC_NSH_NP_IPV6;
    if (slot < 0 || !sfc_nsh_state_restore(ctx, st, (__u32)slot, np)) {
        sfc_count_event(SFC_EVENT_NSH_PROXY_REBUILT);
        sfc_push_nsh(ctx, st, ch, si | ttl << 8 | np << 16);
    }
    if (!sfc_pending(st))
        return 0;
    return sfc_nsh_forward(ctx, st);
}

/* `key` = the sfc_returns key dispatch found; `l2` = Ethernet header
 * length; `ethertype` = IPv4 or IPv6 (dispatch refused the rest). */
SFC_SUBPROG int sfc_proxy_return(struct xdp_md *ctx, struct sfc_state *st, __u32 key, __u32 l2, __u32 ethertype)
{
    if (!st)
        return 0;
    struct sfc_return_entry *r = SFC_LOOKUP(sfc_returns, st->gen, &key);
    if (!r) {
        sfc_drop(st, SFC_DROP_SRV6_PROXY_NO_STATE);
        return 0;
    }
    __u32 kind = r->kind, proxy = r->proxy;
    __s32 slot = r->cache_slot;
    __u32 c = (__u32)r->chain, k = (__u32)r->position;
    sfc_note_hop(st, c, (__u32)r->function, (__u32)r->instance);
    int v4 = ethertype == SFC_ETH_P_IPV4;
    if (sfc_pop(ctx, l2) || sfc_len(ctx) < (v4 ? 20u : 40u)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    sfc_trim_to_ip(ctx);
    struct sfc_chain *ch = SFC_LOOKUP(sfc_chains, st->gen, &c);

    if (kind == SFC_KIND_NSH_UNAWARE)
        return sfc_nsh_proxy_return(ctx, st, ch, c, k, slot, v4);
    int dropped;
    if (proxy == SFC_PROXY_STATIC)
        dropped = sfc_end_as_return(ctx, st, ch, c, k);
    else if (proxy == SFC_PROXY_DYNAMIC)
        dropped = sfc_end_ad_return(ctx, st, slot, v4);
    else if (proxy == SFC_PROXY_MASQUERADING)
        dropped = sfc_end_am_return(ctx, st, v4);
    else {
        sfc_drop(st, SFC_DROP_SRV6_PROXY_NO_STATE);
        return 0;
    }
    if (dropped)
        return 0;
    st->known = 0;
    return sfc_ipv6_output(ctx, st);
}

#endif

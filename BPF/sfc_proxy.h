/* sfc XDP dataplane: what comes back from a function that does not
 * understand the service header, on its return attachment (port, VLAN):
 * the NSH proxy restores NSH (RFC 8300 s4.6, RFC 7665), End.AS pushes the
 * chain's headers again (draft-ietf-spring-sr-service-programming s6.1.1),
 * End.AD pushes the headers it learned (s6.2.1), End.AM de-masquerades
 * (s6.4.1). Mirrors Pipeline.proxyReturn in Proxies.swift. */
#ifndef SFC_PROXY_H
#define SFC_PROXY_H

#include "sfc_maps.h"
#include "sfc_nsh.h"
#include "sfc_nsh_proxy.h"
#include "sfc_parse.h"
#include "sfc_srv6.h"
#include "sfc_state.h"

/* End.AM de-masquerading (draft-ietf-spring-sr-service-programming
 * s6.4.1): DA = Segment List[SL], then the DA is looked up. */
SFC_SUBPROG int sfc_demasquerade(struct xdp_md *ctx, struct sfc_state *st)
{
    struct sfc_srh_info info = {};
    __u8 seg[16] SFC_SLOT;
    if (!st)
        return 0;
    if (sfc_checked_srh(ctx, st, 0, &info))
        return 0;
    if (!info.has_srh) {
        sfc_drop(st, SFC_DROP_SRV6_NO_SRH);
        return 0;
    }
    if (info.sl > info.last_entry) {
        sfc_drop(st, SFC_DROP_SRH_SL_OUT_OF_RANGE);
        return 0;
    }
    __u32 so = (__u32)info.chain.srh_offset & SFC_MAX_OFFSET;
    if (sfc_load(ctx, (so + 8 + 16 * (__u32)info.sl) & SFC_MAX_OFFSET, seg, 16) ||
        sfc_store(ctx, 24, seg, 16)) {
        sfc_drop(st, SFC_DROP_SRH_MALFORMED);
        return 0;
    }
    st->known = 0;
    return sfc_ipv6_output(ctx, st);
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
    int v4 = ethertype == SFC_ETH_P_IPV4;
    if (sfc_pop(ctx, l2) || sfc_len(ctx) < (v4 ? 20u : 40u)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    sfc_trim_to_ip(ctx);
    struct sfc_chain *ch = SFC_LOOKUP(sfc_chains, st->gen, &c);

    if (kind == SFC_KIND_NSH_UNAWARE) {
        /* Restore NSH as the SF would have returned it: the header the
         * flow left with, SI - 1; without state for the flow, the chain's
         * configured header: SI - 1 and the TTL our own classifier's
         * packets leave with (one SFF decrement per hop so far, never 0). */
        if (!ch) {
            sfc_drop(st, SFC_DROP_NSH_NO_PATH);
            return 0;
        }
        __u32 si = ((__u32)ch->start_si - k - 1) & 0xFF;
        __s32 t = (__s32)ch->ttl - (__s32)(k + 1);
        __u32 ttl = t < 1 ? 1 : (__u32)t;
        __u32 np = v4 ? SFC_NSH_NP_IPV4 : SFC_NSH_NP_IPV6;
        if (slot < 0 || !sfc_nsh_state_restore(ctx, st, (__u32)slot, np))
            sfc_push_nsh(ctx, st, c, si | ttl << 8 | np << 16);
        if (!sfc_pending(st))
            return 0;
        return sfc_nsh_forward(ctx, st);
    }
    if (proxy == SFC_PROXY_STATIC) {
        /* End.AS: the chain's headers with the segment after this one
         * active; instances and flow label from the returned packet. */
        if (!ch) {
            sfc_drop(st, SFC_DROP_NO_ROUTE);
            return 0;
        }
        __u32 n = (__u32)ch->hop_count + 1;
        __u32 hash = sfc_hash_ip(ctx, 0);
        sfc_push_srv6(ctx, st, c, (n - 2 - k) & 0xFF, hash);
        if (!sfc_pending(st))
            return 0;
        st->known = 0;
        return sfc_ipv6_output(ctx, st);
    }
    if (proxy == SFC_PROXY_DYNAMIC) {
        /* End.AD: the learned headers, unchanged but for the payload length. */
        __u32 s = (__u32)slot;
        struct sfc_proxy_cache *cache = slot >= 0 ? bpf_map_lookup_elem(&sfc_proxy_cache, &s) : (void *)0;
        if (!cache || cache->length == 0) {
            sfc_drop(st, SFC_DROP_SRV6_PROXY_NO_STATE);
            return 0;
        }
        if (cache->inner_type != (v4 ? SFC_NH_IPV4 : SFC_NH_IPV6)) {
            sfc_drop(st, SFC_DROP_SRV6_INNER_MISMATCH);
            return 0;
        }
        __u32 length = cache->length;
        if (length < 40 || length > SFC_PROXY_CACHE_BYTES) {
            sfc_drop(st, SFC_DROP_SRV6_PROXY_NO_STATE);
            return 0;
        }
        if (sfc_push(ctx, length)) {
            sfc_drop(st, SFC_DROP_NO_HEADROOM);
            return 0;
        }
        cache = bpf_map_lookup_elem(&sfc_proxy_cache, &s);
        if (!cache || bpf_xdp_store_bytes(ctx, 0, cache->bytes, length)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
        __u8 *data = sfc_head(ctx, st, 40);
        if (!data)
            return 0;
        __u32 payload = sfc_len(ctx) - 40;
        data[4] = (payload >> 8) & 0xFF;
        data[5] = payload & 0xFF;
        st->known = 0;
        return sfc_ipv6_output(ctx, st);
    }
    if (proxy == SFC_PROXY_MASQUERADING) {
        if (v4) {
            sfc_drop(st, SFC_DROP_SRV6_INNER_MISMATCH);
            return 0;
        }
        return sfc_demasquerade(ctx, st);
    }
    sfc_drop(st, SFC_DROP_SRV6_PROXY_NO_STATE);
    return 0;
}

#endif

/* sfc XDP dataplane: End.AD, the dynamic SR proxy
 * (draft-ietf-spring-sr-service-programming s6.2): towards the SR-unaware
 * function the outer headers are advanced as End would, learned (one cache
 * slot per proxy instance, sfc_proxy_cache) and removed as End.AS removes
 * them; what the function returns gets the learned headers again. Mirrors
 * Pipeline.proxyOut / proxyReturn in Sources/SFCCore/Pipeline/Proxies.swift. */
#ifndef SFC_BEHAVIORS_END_AD_H
#define SFC_BEHAVIORS_END_AD_H

#include "../sfc_maps.h"
#include "../sfc_parse.h"
#include "../sfc_srh.h"
#include "../sfc_state.h"
#include "end_as.h"

/* End.AD towards the function (s6.2.1), SRH already checked (`info`):
 * learn the headers as they leave after this SID (hop limit and SL
 * decremented, DA the next segment), then remove them. */
static __always_inline void sfc_end_ad_out(struct xdp_md *ctx, struct sfc_state *st, struct sfc_srh_info *info)
{
    __u32 inner = sfc_proxy_inner(ctx, st, info);
    if (!inner)
        return;
    __u32 upper = info->chain.upper_offset;
    if (sfc_advance(ctx, st, info, 0))
        return;
    /* The cache block of this packet's generation slot (sfc_gen_key). */
    __u32 slot = sfc_gen_key(st->gen, SFC_MAX_PROXY_CACHES, (__u32)st->sid.cache_slot);
    if (st->sid.cache_slot < 0 || upper > SFC_PROXY_CACHE_BYTES || upper < 40) {
        sfc_drop(st, SFC_DROP_SRH_MALFORMED);
        return;
    }
    struct sfc_proxy_cache *cache = bpf_map_lookup_elem(&sfc_proxy_cache, &slot);
    if (!cache || bpf_xdp_load_bytes(ctx, st->skip & 0x1F, cache->bytes, upper)) {
        sfc_drop(st, SFC_DROP_SRH_MALFORMED);
        return;
    }
    cache->length = upper;
    cache->inner_type = inner;
    sfc_proxy_decap(ctx, st, upper, inner);
}

/* End.AD, what the function returns (s6.2.1): the headers learned in cache
 * slot `slot`, unchanged but for the payload length, in front of the
 * returned packet (IPv4 when `v4`, else IPv6) at data. Returns 0 when the
 * DA is to be looked up, -1 when the packet is dropped. */
static __always_inline int sfc_end_ad_return(struct xdp_md *ctx, struct sfc_state *st, __s32 slot, int v4)
{
    __u32 s = sfc_gen_key(st->gen, SFC_MAX_PROXY_CACHES, (__u32)slot);
    struct sfc_proxy_cache *cache = slot >= 0 ? bpf_map_lookup_elem(&sfc_proxy_cache, &s) : (void *)0;
    if (!cache || cache->length == 0) {
        sfc_drop(st, SFC_DROP_SRV6_PROXY_NO_STATE);
        return -1;
    }
    if (cache->inner_type != (v4 ? SFC_NH_IPV4 : SFC_NH_IPV6)) {
        sfc_drop(st, SFC_DROP_SRV6_INNER_MISMATCH);
        return -1;
    }
    __u32 length = cache->length;
    if (length < 40 || length > SFC_PROXY_CACHE_BYTES) {
        sfc_drop(st, SFC_DROP_SRV6_PROXY_NO_STATE);
        return -1;
    }
    if (sfc_push(ctx, length)) {
        sfc_drop(st, SFC_DROP_NO_HEADROOM);
        return -1;
    }
    cache = bpf_map_lookup_elem(&sfc_proxy_cache, &s);
    if (!cache || bpf_xdp_store_bytes(ctx, 0, cache->bytes, length)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return -1;
    }
    __u8 *data = sfc_head(ctx, st, 40);
    if (!data)
        return -1;
    __u32 payload = sfc_len(ctx) - 40;
    data[4] = (payload >> 8) & 0xFF;
    data[5] = payload & 0xFF;
    return 0;
}

#endif

/* sfc XDP dataplane: NSH (RFC 8300) - classifier encapsulation, SFF
 * forwarding, end-of-path decapsulation, and VXLAN-GPE
 * (draft-ietf-nvo3-vxlan-gpe) to and from a remote SFF; the SFF hands
 * NSH-unaware SFs to the NSH proxy (sfc_nsh_proxy.h). Mirrors
 * Sources/SFCCore/Pipeline/NSHPath.swift. */
#ifndef SFC_NSH_H
#define SFC_NSH_H

#include "sfc_counters.h"
#include "sfc_egress.h"
#include "sfc_instance.h"
#include "sfc_maps.h"
#include "sfc_nsh_proxy.h"
#include "sfc_parse.h"
#include "sfc_probe.h"
#include "sfc_state.h"

/* RFC 8300 s2.2-s2.4: push the base header (Ver 0, O 0, TTL, Length, MD
 * type, Next Protocol), the service path header (SPI, SI) and the chain's
 * context (MD type 1: 16 bytes; MD type 2: its TLVs, as on the wire).
 * `fields` = si | ttl << 8 | next protocol << 16. */
SFC_SUBPROG int sfc_push_nsh(struct xdp_md *ctx, struct sfc_state *st, const struct sfc_chain *ch, __u32 fields)
{
    if (!st)
        return 0;
    if (!ch) {
        sfc_drop(st, SFC_DROP_NSH_NO_PATH);
        return 0;
    }
    __u32 clen = ch->context_length;
    if (clen > SFC_MAX_CONTEXT)
        clen = SFC_MAX_CONTEXT;
    __u32 spi = ch->spi & 0xFFFFFF;
    __u32 words = ch->nsh_length_words & 0x3F;
    __u32 md = ch->md_type & 0x0F;
    __u32 si = fields & 0xFF, ttl = (fields >> 8) & 0x3F, np = (fields >> 16) & 0xFF;
    /* A classified packet still has its Ethernet header in front
     * (st->skip): sfc_push_folded pops it with the same adjustment. */
    int front = sfc_push_folded(ctx, st, st->skip & 0x1F, 8 + clen);
    if (front < 0)
        return 0;
    __u8 *data = (__u8 *)(long)ctx->data + front;
    if (data + 8 > (__u8 *)(long)ctx->data_end) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    __u16 w0 = (__u16)(ttl << 6 | words);
    data[0] = w0 >> 8;
    data[1] = w0 & 0xFF;
    data[2] = md;
    data[3] = np;
    data[4] = spi >> 16;
    data[5] = (spi >> 8) & 0xFF;
    data[6] = spi & 0xFF;
    data[7] = si;
    if (clen > 0) {
        if (clen == 16) {
            /* MD type 1 (RFC 8300 s2.4): 16 bytes, written in place. */
            if (data + 24 <= (__u8 *)(long)ctx->data_end) {
                __builtin_memcpy(data + 8, ch->context, 16);
                return 0;
            }
        }
        if (bpf_xdp_store_bytes(ctx, front + 8, (void *)ch->context, clen)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
    }
    return 0;
}

/* VXLAN-GPE towards a remote SFF: IPv4 (node.ipv4 -> peer, TTL 64, DF,
 * id 0, RFC 791 header checksum) / UDP (source port 0xC000 | hash & 0x3FFF
 * as entropy, destination 4790, checksum 0) / VXLAN-GPE (I + P flags, next
 * protocol 4 = NSH, VNI) in front of the NSH packet. `slot` indexes
 * sfc_instances. */
SFC_SUBPROG int sfc_vxlan_encap(struct xdp_md *ctx, struct sfc_state *st, __u32 slot, __u32 hash)
{
    __u32 zero = 0;
    if (!st)
        return 0;
    struct sfc_globals *g = SFC_LOOKUP(sfc_globals, st->gen, &zero);
    struct sfc_instance *in = SFC_LOOKUP(sfc_instances, st->gen, &slot);
    if (!g || !in || !g->has_ipv4) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    __be32 source = g->ipv4, peer = in->peer_address;
    __u32 vni = in->peer_vni & 0xFFFFFF;
    st->via.port = in->peer_via.port;
    __builtin_memcpy(st->via.mac, in->peer_via.mac, 6);
    st->via.vlan = 0;
    __u32 skip = st->skip & 0x1FF;
    st->skip = 0;
    if (skip ? bpf_xdp_adjust_head(ctx, (int)skip - 36) : sfc_push(ctx, 36)) {
        sfc_drop(st, SFC_DROP_NO_HEADROOM);
        return 0;
    }
    __u8 *data = sfc_head(ctx, st, 36);
    if (!data)
        return 0;
    __u32 total = sfc_len(ctx);
    data[0] = 0x45;
    data[1] = 0;
    data[2] = (total >> 8) & 0xFF;
    data[3] = total & 0xFF;
    data[4] = 0;
    data[5] = 0;
    data[6] = 0x40;
    data[7] = 0;
    data[8] = 64;
    data[9] = SFC_IPPROTO_UDP;
    data[10] = 0;
    data[11] = 0;
    __builtin_memcpy(data + 12, &source, 4);
    __builtin_memcpy(data + 16, &peer, 4);
    __u32 sum = 0;
#pragma unroll
    for (int i = 0; i < 20; i += 2)
        sum += (__u32)data[i] << 8 | data[i + 1];
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    __u16 csum = ~sum & 0xFFFF;
    data[10] = csum >> 8;
    data[11] = csum & 0xFF;
    __u16 sport = 0xC000 | (hash & 0x3FFF);
    __u32 ulen = total - 20;
    data[20] = sport >> 8;
    data[21] = sport & 0xFF;
    data[22] = SFC_VXLAN_GPE_PORT >> 8;
    data[23] = SFC_VXLAN_GPE_PORT & 0xFF;
    data[24] = (ulen >> 8) & 0xFF;
    data[25] = ulen & 0xFF;
    data[26] = 0;
    data[27] = 0;
    data[28] = 0x0C;
    data[29] = 0;
    data[30] = 0;
    data[31] = 4;
    data[32] = vni >> 16;
    data[33] = (vni >> 8) & 0xFF;
    data[34] = vni & 0xFF;
    data[35] = 0;
    return sfc_emit(ctx, st, SFC_ETH_P_IPV4);
}

/* End of the service path (RFC 8300 s2.2, s4): remove NSH and deliver the
 * inner packet; Next Protocol 3 (Ethernet) goes out as it is. `fields` =
 * NSH length in bytes | next protocol << 16. */
SFC_SUBPROG int sfc_nsh_decap(struct xdp_md *ctx, struct sfc_state *st, __u32 c, __u32 fields)
{
    if (!st)
        return 0;
    struct sfc_chain *ch = SFC_LOOKUP(sfc_chains, st->gen, &c);
    if (!ch || ch->end_kind != SFC_END_DELIVER) {
        sfc_drop(st, SFC_DROP_NSH_NO_PATH);
        return 0;
    }
    __u32 hop_index = ch->hop_counter_base + ch->hop_count;
    sfc_set_via(st, &ch->deliver);
    __u32 hl = fields & 0xFFFF, np = fields >> 16;
    if ((np == SFC_NSH_NP_IPV4 || np == SFC_NSH_NP_IPV6) &&
        !sfc_inner_ok(ctx, (st->skip & 0x1FF) + (hl & 0x3FF), np == SFC_NSH_NP_IPV4)) {
        sfc_drop(st, SFC_DROP_NSH_INNER_MALFORMED);
        return 0;
    }
    if (sfc_pop_l3(ctx, st, hl)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    if (np == SFC_NSH_NP_IPV4 || np == SFC_NSH_NP_IPV6) {
        if (!st->skip)
            sfc_trim_to_ip(ctx);
        sfc_emit(ctx, st, np == SFC_NSH_NP_IPV4 ? SFC_ETH_P_IPV4 : SFC_ETH_P_IPV6);
    } else if (np == SFC_NSH_NP_ETHERNET) {
        __u32 len = sfc_l3_len(ctx, st);
        __u32 port = st->via.port;
        if (len < 14) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
        struct sfc_port *p = SFC_LOOKUP(sfc_ports, st->gen, &port);
        if (!p) {
            sfc_drop(st, SFC_DROP_NO_ROUTE);
            return 0;
        }
        if (len - 14 > p->mtu) {
            sfc_drop(st, SFC_DROP_MTU_EXCEEDED);
            return 0;
        }
        st->egress = port;
        st->tx_len = len;
    } else {
        sfc_drop(st, SFC_DROP_NSH_UNKNOWN_NEXT_PROTOCOL);
        return 0;
    }
    if (st->egress != SFC_NONE)
        sfc_count_hop_index(st->gen, hop_index);
    return 0;
}

/* RFC 8300 s2.2-s2.5 and s4.3: check the NSH header at packet offset
 * `base`, decrement its TTL before the lookup (an incoming 0 becomes 63),
 * never forward at 0, and write the new TTL back. `h` gets the first 8
 * bytes as they leave. Returns 0, or -1 with the packet dropped. */
static __always_inline int sfc_nsh_ttl(struct xdp_md *ctx, struct sfc_state *st, __u32 base, __u8 *h)
{
    __u8 *nsh = (__u8 *)(long)ctx->data + base;
    __u8 *end = (void *)(long)ctx->data_end;
    /* The common case, MD type 1 in the linear part, checked in place
     * (RFC 8300 s2.2, s2.4: version 0, Length 6, the whole header
     * present); anything else goes through sfc_nsh_problem. */
    int direct = nsh + 24 <= end && (nsh[0] >> 6) == 0 && (nsh[1] & 0x3F) == 6 && (nsh[2] & 0x0F) == 1;
    if (!direct) {
        __u32 problem = sfc_nsh_problem(ctx, base);
        if (problem) {
            sfc_drop(st, problem);
            return -1;
        }
    }
    if (direct) {
        __builtin_memcpy(h, nsh, 8);
    } else if (bpf_xdp_load_bytes(ctx, base, h, 8)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return -1;
    }
    if (h[0] & 0x20) {
        /* A liveness probe an NSH-aware instance returned (SI - 1, O bit
         * kept); any other OAM packet is not handled here. */
        __u32 hl = (h[1] & 0x3F) * 4;
        if (h[3] == SFC_NSH_NP_IPV4 && base + hl < sfc_len(ctx) && sfc_probe_consume(ctx, st, base + hl))
            return -1;
        sfc_drop(st, SFC_DROP_NSH_OAM);
        return -1;
    }
    __u16 w0 = sfc_be16(h);
    __u32 ttl = (w0 >> 6) & 0x3F;
    ttl = ttl == 0 ? 63 : ttl - 1;
    if (ttl == 0) {
        sfc_drop(st, SFC_DROP_NSH_TTL_EXPIRED);
        return -1;
    }
    w0 = (w0 & ~(0x3F << 6)) | (__u16)(ttl << 6);
    h[0] = w0 >> 8;
    h[1] = w0 & 0xFF;
    if (direct) {
        /* Checked again: the verifier does not tie `direct` to the check. */
        nsh = (__u8 *)(long)ctx->data + base;
        if (nsh + 2 > (__u8 *)(long)ctx->data_end) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return -1;
        }
        nsh[0] = h[0];
        nsh[1] = h[1];
    } else if (bpf_xdp_store_bytes(ctx, base, h, 2)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return -1;
    }
    return 0;
}

/* An NSH-aware instance gets the NSH packet: over VXLAN-GPE when it sits
 * behind a remote SFF, else over Ethernet on its attachment. */
static __always_inline int sfc_nsh_to_aware(struct xdp_md *ctx, struct sfc_state *st, struct sfc_instance *in,
                                            __u32 slot, __u32 hash)
{
    if (in->has_peer)
        return sfc_vxlan_encap(ctx, st, slot, hash);
    if (in->attachment.port == SFC_NONE) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    sfc_set_via(st, &in->attachment);
    return sfc_emit(ctx, st, SFC_ETH_P_NSH);
}

/* Hop k of chain c (`ch`), function f, its instance i (chosen from
 * `hash`): count the hop and the instance (Swift Pipeline.countHop, from
 * the entries at hand), and hand the packet over as the function's kind
 * says. The `hl`-byte NSH starts at `base`; `np` is its next protocol. */
static __always_inline int sfc_nsh_to_hop(struct xdp_md *ctx, struct sfc_state *st, struct sfc_chain *ch, __u32 k,
                                          __u32 f, __u32 i, __u32 hash, __u32 base, __u32 hl, __u32 np)
{
    struct sfc_function *fn = SFC_LOOKUP(sfc_functions, st->gen, &f);
    if (!fn) {
        sfc_drop(st, SFC_DROP_NSH_NO_PATH);
        return 0;
    }
    __u32 count = fn->instance_count;
    __u32 kind = fn->kind;
    sfc_count_hop_index(st->gen, ch->hop_counter_base + k);
    sfc_count_instance_index(st->gen, fn->instance_counter_base + i);
    st->function = f;
    st->instance = i;
    __u32 slot = f * SFC_MAX_INSTANCES + (i & (SFC_MAX_INSTANCES - 1));
    struct sfc_instance *in = SFC_LOOKUP(sfc_instances, st->gen, &slot);
    if (!in) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    if (kind == SFC_KIND_NSH_AWARE)
        return sfc_nsh_to_aware(ctx, st, in, slot, hash);
    if (kind == SFC_KIND_NSH_UNAWARE)
        return sfc_nsh_proxy_out(ctx, st, in, np, base, hl, count, hash);
    sfc_drop(st, SFC_DROP_NSH_NO_PATH);
    return 0;
}

/* The inner flow hash of the packet at hop function f: it picks among
 * several instances and gives VXLAN-GPE its source port; a single local
 * instance needs neither (0). */
static __always_inline __u32 sfc_nsh_hop_hash(struct xdp_md *ctx, struct sfc_state *st, __u32 f, __u32 inner,
                                              __u32 np)
{
    struct sfc_function *fn = SFC_LOOKUP(sfc_functions, st->gen, &f);
    __u32 slot0 = f * SFC_MAX_INSTANCES;
    struct sfc_instance *in = SFC_LOOKUP(sfc_instances, st->gen, &slot0);
    if (!fn || !in)
        return 0;
    if ((fn->instance_count > 1 || in->has_peer) && (np == SFC_NSH_NP_IPV4 || np == SFC_NSH_NP_IPV6))
        return sfc_hash_ip(ctx, inner);
    return 0;
}

/* A direct hop (sfc_path_entry.direct, its instance not down): what
 * sfc_nsh_to_hop and sfc_emit do for it, from the precomputed entry (Swift
 * Pipeline.nshSendDirect): the hop and instance counted, the MTU checked,
 * the incoming Ethernet header replaced by the template. */
static __always_inline int sfc_nsh_direct(struct xdp_md *ctx, struct sfc_state *st, const struct sfc_path_entry *hop)
{
    st->chain = hop->chain;
    st->function = hop->function;
    st->instance = 0;
    sfc_count_hop_index(st->gen, hop->hop_counter);
    sfc_count_instance_index(st->gen, hop->instance_counter);
    __u32 port = hop->port, l2 = hop->l2_len == 18 ? 18 : 14;
    __u32 skip = st->skip & 0x1FF;
    __u32 len = sfc_len(ctx) - skip;
    if (len > hop->mtu) {
        sfc_drop(st, SFC_DROP_MTU_EXCEEDED);
        return 0;
    }
    st->skip = 0;
    /* skip == l2: the incoming Ethernet header is rewritten in place. */
    if (skip != l2 && (skip ? bpf_xdp_adjust_head(ctx, (int)skip - (int)l2) : sfc_push(ctx, l2))) {
        sfc_drop(st, SFC_DROP_NO_HEADROOM);
        return 0;
    }
    __u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
    if (data + 14 > end || (l2 == 18 && data + 18 > end)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    __builtin_memcpy(data, hop->l2, 14);
    if (l2 == 18 && data + 18 <= end)
        __builtin_memcpy(data + 14, hop->l2 + 14, 4);
    st->egress = port;
    st->tx_len = len + l2;
    return 0;
}

/* The search both path lookups make, in the inner map INNER for KEY:
 * linear probing from the key's home slot, at most SFC_PATH_PROBES slots,
 * an empty one ending it (the loader's layout keeps every entry's run
 * unbroken, Sources/SFCXDP/SlotLayout.swift). FOUND runs with `slot` and
 * `e` naming the slot that holds KEY; falling out of the loop: not found.
 * Array lookups instead of the kernel's hash table (jhash and a bucket
 * walk). A macro, so one caller can return the entry and the other its
 * slot. */
#define SFC_PATH_SEARCH(INNER, KEY, FOUND)                                      \
    do {                                                                        \
        __u32 home__ = sfc_path_home(KEY);                                      \
        for (__u32 i__ = 0; i__ < SFC_PATH_PROBES; i__++) {                     \
            __u32 slot = (home__ + i__) & (SFC_PATH_SLOTS - 1);                 \
            struct sfc_path_slot *e = bpf_map_lookup_elem((INNER), &slot);      \
            if (!e || !e->used)                                                 \
                break;                                                          \
            if (e->key == (KEY)) {                                              \
                FOUND;                                                          \
            }                                                                   \
        }                                                                       \
    } while (0)

/* The slot of `key`'s (SPI, SI) entry in generation `gen`, or -1. A global
 * function, so its loop is verified once and its registers are not
 * sfc_nsh_forward's spills inside that function's own loop. */
SFC_SUBPROG int sfc_path_find(__u32 gen, __u32 key)
{
    void *inner = bpf_map_lookup_elem(&sfc_nsh_paths, &gen);
    if (!inner)
        return -1;
    SFC_PATH_SEARCH(inner, key, return (int)slot);
    return -1;
}

/* The (SPI, SI) entry of `key`, or NULL: the search inlined, for the SFF's
 * first lookup (st->gen as the outer key in place: no stack slot for it). */
static __always_inline struct sfc_path_entry *sfc_path_lookup_inline(const struct sfc_state *st, __u32 key)
{
    void *inner = bpf_map_lookup_elem(&sfc_nsh_paths, &st->gen);
    if (!inner)
        return 0;
    SFC_PATH_SEARCH(inner, key, return &e->entry);
    return 0;
}

/* The (SPI, SI) entry of `key`, or NULL, through sfc_path_find (inside
 * sfc_nsh_forward's loop). */
static __always_inline struct sfc_path_entry *sfc_path_lookup(const struct sfc_state *st, __u32 key)
{
    int found = sfc_path_find(st->gen, key);
    if (found < 0)
        return 0;
    __u32 slot = (__u32)found;
    struct sfc_path_slot *e = SFC_LOOKUP(sfc_nsh_paths, st->gen, &slot);
    return e ? &e->entry : 0;
}

/* SFF forwarding (RFC 8300 s2.2, s4.3, s5): the NSH packet starts at data.
 * Check the header, decrement TTL (sfc_nsh_ttl), look (SPI, SI) up, then
 * send to the chosen instance (NSH over Ethernet, or VXLAN-GPE to a remote
 * SFF), strip NSH for an NSH-unaware instance (the NSH proxy, RFC 8300
 * s4.6), or end the path. The SFF never changes SI. */
SFC_SUBPROG int sfc_nsh_forward(struct xdp_md *ctx, struct sfc_state *st)
{
    __u8 h[8] SFC_SLOT;
    if (!st)
        return 0;
    /* The NSH starts st->skip bytes in (the Ethernet header dispatch left
     * in front, or a pop XDP could not do: see sfc_pop_l3). */
    __u32 base = st->skip & 0x7F;
    if (sfc_nsh_ttl(ctx, st, base, h))
        return 0;
    __u32 hl = (h[1] & 0x3F) * 4;
    __u32 np = h[3];
    __u32 spi = sfc_be32(h + 4) >> 8;
    __u32 si = h[7];
    /* The common case: one lookup and a copy (sfc_nsh_direct). */
    __u32 first = sfc_path_key(spi, (__u8)si);
    struct sfc_path_entry *hop = sfc_path_lookup_inline(st, first);
    if (!hop) {
        sfc_drop(st, SFC_DROP_NSH_NO_PATH);
        return 0;
    }
    if (hop->direct && !sfc_instance_down(st->gen, hop->function, 0))
        return sfc_nsh_direct(ctx, st, hop);
    /* A hop whose function has no instance up and fails open is skipped as
     * the function would have: SI - 1, then the next lookup in the same
     * pass (docs/PIPELINE.md "Instance state, fail mode..."). */
    for (__u32 pass = 0; pass <= SFC_MAX_HOPS; pass++) {
        __u32 key = sfc_path_key(spi, (__u8)si);
        struct sfc_path_entry *path = sfc_path_lookup(st, key);
        if (!path) {
            sfc_drop(st, SFC_DROP_NSH_NO_PATH);
            return 0;
        }
        __u32 c = path->chain, k = path->position;
        st->chain = c;
        struct sfc_chain *ch = SFC_LOOKUP(sfc_chains, st->gen, &c);
        if (!ch) {
            sfc_drop(st, SFC_DROP_NSH_NO_PATH);
            return 0;
        }
        if (k == ch->hop_count)
            return sfc_nsh_decap(ctx, st, c, hl | np << 16);
        if (k >= SFC_MAX_HOPS) {
            sfc_drop(st, SFC_DROP_NSH_NO_PATH);
            return 0;
        }
        __u32 f = ch->hops[k];
        __u32 hash = sfc_nsh_hop_hash(ctx, st, f, base + hl, np);
        int i = sfc_choose_instance(st, f, hash);
        if (i >= 0) {
            ch = SFC_LOOKUP(sfc_chains, st->gen, &c);
            if (!ch) {
                sfc_drop(st, SFC_DROP_NSH_NO_PATH);
                return 0;
            }
            return sfc_nsh_to_hop(ctx, st, ch, k, f, (__u32)i & (SFC_MAX_INSTANCES - 1), hash, base, hl, np);
        }
        if (!sfc_fails_open(st->gen, f)) {
            sfc_drop(st, SFC_DROP_INSTANCE_DOWN);
            return 0;
        }
        sfc_count_event(SFC_EVENT_HOP_BYPASSED);
        si = (si - 1) & 0xFF;
        __u8 b = (__u8)si;
        if (sfc_store(ctx, base + 7, &b, 1)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
    }
    sfc_drop(st, SFC_DROP_NSH_NO_PATH);
    return 0;
}

/* Classifier (RFC 8300 s2): push NSH with the chain's SPI, start SI and
 * TTL, then hand the packet to the co-located SFF. */
SFC_SUBPROG int sfc_nsh_encap(struct xdp_md *ctx, struct sfc_state *st, const struct sfc_chain *ch)
{
    __u8 b[8] SFC_SLOT = {0};
    if (!st)
        return 0;
    if (!ch) {
        sfc_drop(st, SFC_DROP_NSH_NO_PATH);
        return 0;
    }
    __u32 si = ch->start_si, ttl = ch->ttl;
    __u32 np = SFC_NSH_NP_IPV4;
    /* The IP header starts st->skip bytes in (Ethernet not yet popped). */
    __u32 skip = st->skip & 0x1F;
    __u8 *ip = (__u8 *)(long)ctx->data + skip;
    if (ip + 1 <= (__u8 *)(long)ctx->data_end)
        b[0] = ip[0];
    else if (sfc_len(ctx) <= skip || sfc_load(ctx, skip, b, 1))
        b[0] = 0;
    if (b[0] >> 4 == 6)
        np = SFC_NSH_NP_IPV6;
    /* What sfc_nsh_forward would do to the header just written, decided
     * here (Swift Pipeline.nshEncap): it is well formed and not OAM, so the
     * co-located SFF's TTL - 1 goes in as it is written, and the first
     * hop's precomputed entry applies when it is direct and up (RFC 8300
     * s2.2, s4.3). */
    __u32 ttl_after = (ttl & 0x3F) == 0 ? 63 : (ttl & 0x3F) - 1;
    const struct sfc_path_entry *first = &ch->first_hop;
    if (first->direct && ttl_after != 0 && !sfc_instance_down(st->gen, first->function, 0)) {
        sfc_push_nsh(ctx, st, ch, si | ttl_after << 8 | np << 16);
        if (!sfc_pending(st))
            return 0;
        return sfc_nsh_direct(ctx, st, first);
    }
    sfc_push_nsh(ctx, st, ch, si | ttl << 8 | np << 16);
    if (!sfc_pending(st))
        return 0;
    return sfc_nsh_forward(ctx, st);
}

/* From a remote SFF: the packet starts at the outer IPv4 header (UDP 4790
 * to node.ipv4, checked by dispatch). VXLAN-GPE version 0, P bit, next
 * protocol NSH; remove the outer headers and process the NSH. */
SFC_SUBPROG int sfc_vxlan_decap(struct xdp_md *ctx, struct sfc_state *st)
{
    __u8 h[8] SFC_SLOT;
    if (!st)
        return 0;
    __u32 len = sfc_len(ctx);
    if (len < 20 || sfc_load(ctx, 0, h, 1)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    __u32 offset = (h[0] & 0x0F) * 4 + 8;
    if (offset + 8 > len || sfc_load(ctx, offset & 0x7F, h, 8)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    if (((h[0] >> 4) & 0x3) != 0 || !(h[0] & 0x04) || h[3] != 4) {
        sfc_drop(st, SFC_DROP_VXLAN_GPE_BAD_HEADER);
        return 0;
    }
    if (sfc_pop_l3(ctx, st, offset + 8)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    return sfc_nsh_forward(ctx, st);
}

#endif

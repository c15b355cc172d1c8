/* sfc XDP dataplane: egress (docs/PIPELINE.md "Egress", Swift
 * Pipeline.emit): the deferred pop, MTU check on the L3 length, Ethernet
 * (+ 802.1Q) written in place or pushed, the egress port the main program
 * redirects to and the frame length its TX counters count once the
 * redirect is taken; the IPv4 / IPv6 routes (LPM tries). */
#ifndef SFC_EGRESS_H
#define SFC_EGRESS_H

#include "sfc_maps.h"
#include "sfc_parse.h"
#include "sfc_state.h"

/* Pops n more bytes from the front. bpf_xdp_adjust_head keeps at least
 * ETH_HLEN bytes, so when less would remain the pop is deferred: st->skip
 * says how many bytes in front are already gone, and the next push (the
 * Ethernet header of sfc_emit, VXLAN-GPE) folds it in. Such a packet is
 * shorter than any IP header: trimToIPLength leaves it alone, and only the
 * NSH path reads one (at st->skip). */
static __always_inline int sfc_pop_l3(struct xdp_md *ctx, struct sfc_state *st, __u32 n)
{
    __u32 len = sfc_len(ctx);
    n = (n & 0x3FF) + (st->skip & 0x3FF);
    if (n > len)
        return -1;
    if (len - n >= ETH_HLEN) {
        st->skip = 0;
        return sfc_pop(ctx, n);
    }
    st->skip = n;
    return 0;
}

/* Makes room for n bytes of encapsulation in front of the packet that
 * starts `skip` bytes in (st->skip, under 32). A packet whose Ethernet
 * header is still in front (classified: skip > 0) gets one adjustment
 * that pops that header, makes room for the n bytes and leaves 14 bytes
 * in front for sfc_emit to write the outgoing Ethernet header in. Short of
 * headroom: the steps without the fold (pop, push making headroom,
 * Ethernet pushed by sfc_emit), so the same frames fit. Returns the bytes
 * left in front of the n (the new st->skip: ETH_HLEN or 0), or -1 with the
 * packet dropped. */
static __always_inline int sfc_push_folded(struct xdp_md *ctx, struct sfc_state *st, __u32 skip, __u32 n)
{
    __u32 front = skip ? ETH_HLEN : 0;
    if (bpf_xdp_adjust_head(ctx, (int)skip - (int)(n + front))) {
        front = 0;
        if (skip && sfc_pop(ctx, skip)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return -1;
        }
        if (sfc_push(ctx, n)) {
            sfc_drop(st, SFC_DROP_NO_HEADROOM);
            return -1;
        }
    }
    st->skip = front;
    return (int)front;
}

/* The L3 length, net of a deferred pop. */
static __always_inline __u32 sfc_l3_len(struct xdp_md *ctx, const struct sfc_state *st)
{
    return sfc_len(ctx) - st->skip;
}

/* Sends the L3 packet (st->skip bytes in: a deferred pop, or the incoming
 * Ethernet header, rewritten in place) out via st->via with `ethertype`:
 * drops `mtu-exceeded` when the L3 length is over the egress port's MTU
 * (no fragmentation), `no-headroom` when the Ethernet header does not fit. */
SFC_SUBPROG int sfc_emit(struct xdp_md *ctx, struct sfc_state *st, __u32 ethertype)
{
    if (!st)
        return 0;
    __u32 port = st->via.port;
    __u16 vlan = st->via.vlan & 0x0FFF;
    __u8 dst[6], src[6];
    struct sfc_port *p = SFC_LOOKUP(sfc_ports, st->gen, &port);
    if (!p) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return 0;
    }
    __builtin_memcpy(src, p->mac, 6);
    __builtin_memcpy(dst, st->via.mac, 6);
    __u32 skip = st->skip & 0x1FF;
    __u32 len = sfc_len(ctx) - skip;
    if (len > p->mtu) {
        sfc_drop(st, SFC_DROP_MTU_EXCEEDED);
        return 0;
    }
    __u32 l2 = vlan ? 18 : 14;
    st->skip = 0;
    /* skip == l2: the incoming Ethernet header is rewritten in place. */
    if (skip != l2 && (skip ? bpf_xdp_adjust_head(ctx, (int)skip - (int)l2) : sfc_push(ctx, l2))) {
        sfc_drop(st, SFC_DROP_NO_HEADROOM);
        return 0;
    }
    __u8 *data = sfc_head(ctx, st, 14);
    if (!data)
        return 0;
    __u8 *end = (void *)(long)ctx->data_end;
    __builtin_memcpy(data, dst, 6);
    __builtin_memcpy(data + 6, src, 6);
    if (vlan) {
        if (data + 18 > end) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return 0;
        }
        data[12] = SFC_ETH_P_VLAN >> 8;
        data[13] = SFC_ETH_P_VLAN & 0xFF;
        data[14] = vlan >> 8;
        data[15] = vlan & 0xFF;
        data[16] = ethertype >> 8;
        data[17] = ethertype & 0xFF;
    } else {
        data[12] = ethertype >> 8;
        data[13] = ethertype & 0xFF;
    }
    st->egress = port;
    st->tx_len = len + l2;
    return 0;
}

/* Copy an adjacency into st->via (the argument of sfc_emit). */
static __always_inline void sfc_set_via(struct sfc_state *st, const struct sfc_adjacency *a)
{
    st->via.port = a->port;
    __builtin_memcpy(st->via.mac, a->mac, 6);
    st->via.vlan = a->vlan;
}

/* IPv4 / IPv6 routes (LPM tries), into st->via. Returns 0 when found. */
static __always_inline int sfc_route4(struct sfc_state *st, const __u8 *addr)
{
    struct sfc_lpm4_key key = { .prefixlen = 32 };
    __builtin_memcpy(key.addr, addr, 4);
    struct sfc_adjacency *a = SFC_LOOKUP(sfc_routes4, st->gen, &key);
    if (!a || a->port == SFC_NONE)
        return -1;
    sfc_set_via(st, a);
    return 0;
}

static __always_inline int sfc_route6(struct sfc_state *st, const __u8 *addr)
{
    struct sfc_lpm6_key key = { .prefixlen = 128 };
    __builtin_memcpy(key.addr, addr, 16);
    struct sfc_adjacency *a = SFC_LOOKUP(sfc_routes6, st->gen, &key);
    if (!a || a->port == SFC_NONE)
        return -1;
    sfc_set_via(st, a);
    return 0;
}

#endif

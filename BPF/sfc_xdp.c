// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* sfc_xdp: the XDP/eBPF dataplane of sfc. It implements exactly the
 * reference pipeline of docs/PIPELINE.md (Sources/SFCCore/Pipeline): the
 * same verdicts, drop reasons, counters and bytes, held to the shared
 * fixtures through BPF_PROG_RUN.
 *
 * Structure (one header per concern, each including only what it uses):
 * at the bottom
 *   sfc_maps.h      maps (the contract with the Swift loader)
 *   sfc_state.h     per-packet state, the action, drops
 *   sfc_counters.h  counters
 *   sfc_parse.h     bounds-checked access, IPv6 extension walk, flow hash, NSH checks
 *   sfc_egress.h    emit (MTU, Ethernet/VLAN written), deferred pop, push fold, routes
 * and side by side on top of them
 *   sfc_classify.h  tuple-space classifier
 *   sfc_nsh.h       NSH encap, SFF, end of path, VXLAN-GPE
 *   sfc_nsh_proxy.h NSH proxy out (strip NSH, save the flow's header), restore
 *   sfc_srh.h       SRH checks and advance, shared by the SRv6 behaviours
 *   behaviors/      one header per SRv6 behaviour group (RFC 8986 s4, s5;
 *                   SR proxies: draft-ietf-spring-sr-service-programming)
 *   sfc_srv6.h      local SIDs (the behaviour switch), headend, transit
 *   sfc_proxy_return.h  returns from NSH-/SR-unaware functions
 *   sfc_live_trace.h    the live trace: filter on arrival, one event at the exit
 * This file: ingress port, dispatch, the action, the verdict. */
#include "sfc_classify.h"
#include "sfc_counters.h"
#include "sfc_hmac.h"
#include "sfc_live_trace.h"
#include "sfc_maps.h"
#include "sfc_nsh.h"
#include "sfc_parse.h"
#include "sfc_probe.h"
#include "sfc_proxy_return.h"
#include "sfc_srv6.h"
#include "sfc_state.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Does the IPv6 address fall inside the node's locator prefix? */
static __always_inline int sfc_in_locator(const struct sfc_globals *g, const __u8 *a)
{
    __u32 bits = g->locator_length;
    if (bits > 128)
        bits = 128;
#pragma unroll
    for (int i = 0; i < 16; i++) {
        __u32 start = (__u32)i * 8;
        if (start >= bits)
            break;
        __u32 take = bits - start;
        __u8 mask = take >= 8 ? 0xFF : (__u8)(0xFF00 >> take);
        if ((a[i] ^ g->locator[i]) & mask)
            return 0;
    }
    return 1;
}

/* What dispatch does after the network header (Swift Pipeline.dispatch). */
enum sfc_next {
    SFC_NEXT_CLASSIFY = 0,            /* classify the fields read */
    SFC_NEXT_DONE,                    /* decided: st->action set, or dropped */
    SFC_NEXT_TRANSIT6,                /* trusted IPv6, routed as it is */
};

/* Ethernet, optionally one 802.1Q / 802.1ad tag: the ethertype behind it,
 * the header length and the VLAN ID (0: untagged). Returns 0, or -1 with
 * the packet dropped. */
static __always_inline int sfc_parse_l2(struct xdp_md *ctx, struct sfc_state *st, __u32 *type, __u32 *l2,
                                        __u32 *vlan)
{
    __u8 *data = sfc_head(ctx, st, 14);
    if (!data)
        return -1;
    __u8 *end = (void *)(long)ctx->data_end;
    *type = sfc_be16(data + 12);
    *l2 = 14;
    *vlan = 0;
    if (*type == SFC_ETH_P_VLAN || *type == SFC_ETH_P_QINQ) {
        if (data + 18 > end) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return -1;
        }
        *vlan = sfc_be16(data + 14) & 0x0FFF;
        *type = sfc_be16(data + 16);
        *l2 = 18;
    }
    return 0;
}

/* A return attachment of an nsh-unaware / sr-unaware instance on (port,
 * VLAN): the hash lookup only on ports that have one (g->return_ports).
 * Returns 1 when the frame came back on one (the action set, dropped, or
 * consumed as a probe), else 0. */
static __always_inline int sfc_dispatch_return(struct xdp_md *ctx, struct sfc_state *st, const struct sfc_globals *g,
                                               __u32 port, __u32 vlan, __u32 type, __u32 l2)
{
    __u32 rkey = sfc_return_key(port, (__u16)vlan);
    if (!((g->return_ports >> (port & 63)) & 1) || !SFC_LOOKUP(sfc_returns, st->gen, &rkey))
        return 0;
    if (type != SFC_ETH_P_IPV4 && type != SFC_ETH_P_IPV6) {
        sfc_drop(st, SFC_DROP_UNSUPPORTED_ETHERTYPE);
        return 1;
    }
    /* A liveness probe back from an nsh-/sr-unaware instance. */
    if (type == SFC_ETH_P_IPV4 && sfc_probe_consume(ctx, st, l2))
        return 1;
    st->action = SFC_ACT_PROXY_RETURN;
    st->arg = rkey;
    st->arg_l2 = l2;
    st->arg_type = type;
    return 1;
}

/* NSH over Ethernet, from trusted ports only. */
static __always_inline int sfc_dispatch_nsh(struct sfc_state *st, __u32 l2)
{
    if (!st->trusted) {
        sfc_drop(st, SFC_DROP_UNTRUSTED_INGRESS);
        return SFC_NEXT_DONE;
    }
    /* The Ethernet header stays in front, logically popped (st->skip
     * = l2, see sfc_pop_l3): the SFF reads the NSH behind it and
     * sfc_emit rewrites it in place instead of a pop and a push. */
    st->skip = l2;
    st->action = SFC_ACT_NSH;
    return SFC_NEXT_DONE;
}

/* IPv4 behind `l2` bytes of Ethernet (`l3len` bytes of it; `ip` is
 * scratch): VXLAN-GPE to the node, the node's own address, or the fields
 * the classifier reads. Returns enum sfc_next. */
static __always_inline int sfc_dispatch_ipv4(struct xdp_md *ctx, struct sfc_state *st, __u32 l2, __u32 l3len,
                                             __u8 *ip, struct sfc_fields *f)
{
    __u32 zero = 0;
    if (l3len < 20 || sfc_load(ctx, l2, ip, 20)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return SFC_NEXT_DONE;
    }
    __u32 hl = (ip[0] & 0x0F) * 4;
    __u32 total = sfc_be16(ip + 2);
    __u32 frag = sfc_be16(ip + 6);
    if (ip[0] >> 4 != 4 || hl < 20 || total < hl || total > l3len) {
        sfc_drop(st, SFC_DROP_IPV4_BAD_HEADER);
        return SFC_NEXT_DONE;
    }
    /* Ethernet padding never travels inside a tunnel. */
    sfc_trim(ctx, l3len - total);
    f->proto = ip[9];
    /* Ports of unfragmented packets and first fragments. */
    if ((frag & 0x1FFF) == 0 && (f->proto == SFC_IPPROTO_TCP || f->proto == SFC_IPPROTO_UDP)) {
        __u8 pp[8] SFC_SLOT;
        if (total < hl + 4 || sfc_load(ctx, (l2 + hl) & 0x7F, pp, 4)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return SFC_NEXT_DONE;
        }
        f->sport = sfc_be16(pp);
        f->dport = sfc_be16(pp + 2);
    }
    struct sfc_globals *g = SFC_LOOKUP(sfc_globals, st->gen, &zero);
    if (!g) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return SFC_NEXT_DONE;
    }
    int own = g->has_ipv4 && __builtin_memcmp(ip + 16, &g->ipv4, 4) == 0;
    if (own && f->proto == SFC_IPPROTO_UDP && f->dport == SFC_VXLAN_GPE_PORT && (frag & 0x3FFF) == 0) {
        if (!st->trusted) {
            sfc_drop(st, SFC_DROP_UNTRUSTED_INGRESS);
            return SFC_NEXT_DONE;
        }
        if (sfc_pop(ctx, l2)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return SFC_NEXT_DONE;
        }
        st->action = SFC_ACT_VXLAN;
        return SFC_NEXT_DONE;
    }
    /* The node's own address is not a chain's business. */
    if (own) {
        sfc_drop(st, SFC_DROP_NOT_FOR_US);
        return SFC_NEXT_DONE;
    }
    __builtin_memcpy(f->src, ip + 12, 4);
    __builtin_memcpy(f->dst, ip + 16, 4);
    f->dscp = ip[1] >> 2;
    f->v6 = 0;
    return SFC_NEXT_CLASSIFY;
}

/* An IPv6 packet to one of the node's local SIDs (trusted ports only):
 * st->sid gets its entry. Returns 1 when the DA is a local SID (the action
 * set, or dropped), else 0. */
static __always_inline int sfc_dispatch_local_sid(struct sfc_state *st, __u32 l2, const __u8 *ip)
{
    /* The DA in place as the key; its entry into st->sid directly (scratch
     * unless st->known says otherwise). */
    if (!sfc_sid_find(st->gen, (const struct sfc_sid_key *)(ip + 24), &st->sid) || st->sid.behavior == SFC_SID_ROUTE_ONLY)
        return 0;
    if (!st->trusted) {
        sfc_drop(st, SFC_DROP_UNTRUSTED_INGRESS);
        return 1;
    }
    st->known = 1;
    /* Ethernet popped logically only (st->skip): the SRv6 paths
     * read behind it, and sfc_emit rewrites it in place. */
    st->skip = l2;
    st->action = SFC_ACT_LOCAL_SID;
    return 1;
}

/* IPv6 behind `l2` bytes of Ethernet (`l3len` bytes of it; `ip` is
 * scratch): a local SID, the node's own source or locator, SRv6 in
 * transit, or the fields the classifier reads. Returns enum sfc_next. */
static __always_inline int sfc_dispatch_ipv6(struct xdp_md *ctx, struct sfc_state *st, const struct sfc_globals *g,
                                             __u32 l2, __u32 l3len, __u8 *ip, struct sfc_fields *f)
{
    struct sfc_chain6 chain6 = {};
    if (l3len < 40 || sfc_load(ctx, l2, ip, 40)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return SFC_NEXT_DONE;
    }
    __u32 payload = sfc_be16(ip + 4);
    if (ip[0] >> 4 != 6 || 40 + payload > l3len) {
        sfc_drop(st, SFC_DROP_IPV6_BAD_HEADER);
        return SFC_NEXT_DONE;
    }
    sfc_trim(ctx, l3len - 40 - payload);
    if (sfc_dispatch_local_sid(st, l2, ip))
        return SFC_NEXT_DONE;
    if (g->has_srv6_source && __builtin_memcmp(ip + 24, g->srv6_source, 16) == 0) {
        sfc_drop(st, SFC_DROP_NOT_FOR_US);
        return SFC_NEXT_DONE;
    }
    if (g->has_locator && sfc_in_locator(g, ip + 24)) {
        sfc_drop(st, st->trusted ? SFC_DROP_SRV6_UNKNOWN_SID : SFC_DROP_UNTRUSTED_INGRESS);
        return SFC_NEXT_DONE;
    }
    if (sfc_walk6(ctx, l2, 40 + payload, ip[6], &chain6)) {
        sfc_drop(st, SFC_DROP_IPV6_BAD_HEADER);
        return SFC_NEXT_DONE;
    }
    /* SRv6 in transit inside the domain is routed, never re-classified. */
    if (st->trusted && chain6.srh_offset >= 0)
        return SFC_NEXT_TRANSIT6;
    f->proto = chain6.upper_proto;
    if (!chain6.later_fragment && (f->proto == SFC_IPPROTO_TCP || f->proto == SFC_IPPROTO_UDP)) {
        __u8 pp[8] SFC_SLOT;
        if (40 + payload < chain6.upper_offset + 4 ||
            sfc_load(ctx, (l2 + chain6.upper_offset) & SFC_MAX_OFFSET, pp, 4)) {
            sfc_drop(st, SFC_DROP_TRUNCATED);
            return SFC_NEXT_DONE;
        }
        f->sport = sfc_be16(pp);
        f->dport = sfc_be16(pp + 2);
    }
    __builtin_memcpy(f->src, ip + 8, 16);
    __builtin_memcpy(f->dst, ip + 24, 16);
    f->dscp = (__u8)((sfc_be16(ip) >> 4) & 0xFF) >> 2;
    f->v6 = 1;
    return SFC_NEXT_CLASSIFY;
}

/* Stage 2: classification. A classified packet keeps its Ethernet header
 * in front (st->skip); unclassified trusted IPv6 is routed. Returns enum
 * sfc_next. */
static __always_inline int sfc_dispatch_classify(struct xdp_md *ctx, struct sfc_state *st, struct sfc_fields *f,
                                                 const struct sfc_globals *g, __u32 l2)
{
    __u32 c = sfc_classify(st, f, g);
    if (c == SFC_NONE) {
        if (f->v6 && st->trusted)
            return SFC_NEXT_TRANSIT6;
        sfc_drop(st, SFC_DROP_UNCLASSIFIED);
        return SFC_NEXT_DONE;
    }
    /* Ethernet popped logically only (st->skip): the NSH and SRv6
     * encapsulations fold it into their push. */
    st->skip = l2;
    st->chain = c;
    sfc_count_chain(st->gen, c, sfc_len(ctx) - l2);
    st->action = SFC_ACT_CLASSIFIED;
    st->arg = c;
    return SFC_NEXT_DONE;
}

/* Stage 1 + 2 of the pipeline for one frame (Swift Pipeline.dispatch,
 * then the classifier): decides the action (st->action, st->arg) or drops
 * (st->reason); the main program runs the action. */
SFC_SUBPROG int sfc_dispatch(struct xdp_md *ctx, struct sfc_state *st, const struct sfc_globals *g)
{
    __u8 ip[40] SFC_SLOT;
    struct sfc_fields f;
    if (!st)
        return 0;
    /* g: the main program's lookup of this generation's globals. */
    __u32 port = st->ingress;
    if (!g || port >= g->port_count || port >= SFC_MAX_PORTS) {
        sfc_drop(st, SFC_DROP_UNTRUSTED_INGRESS);
        return 0;
    }
    st->trusted = (g->trusted_ports >> (port & 63)) & 1;
    sfc_count_rx(st->gen, port);

    __u32 type, l2, vlan;
    if (sfc_parse_l2(ctx, st, &type, &l2, &vlan))
        return 0;
    __u32 l3len = sfc_len(ctx) - l2;
    if (sfc_dispatch_return(ctx, st, g, port, vlan, type, l2))
        return 0;

    __builtin_memset(&f, 0, sizeof(f));
    int next;
    if (type == SFC_ETH_P_NSH) {
        next = sfc_dispatch_nsh(st, l2);
    } else if (type == SFC_ETH_P_IPV4) {
        next = sfc_dispatch_ipv4(ctx, st, l2, l3len, ip, &f);
    } else if (type == SFC_ETH_P_IPV6) {
        next = sfc_dispatch_ipv6(ctx, st, g, l2, l3len, ip, &f);
    } else {
        sfc_drop(st, SFC_DROP_UNSUPPORTED_ETHERTYPE);
        return 0;
    }
    if (next == SFC_NEXT_CLASSIFY)
        next = sfc_dispatch_classify(ctx, st, &f, g, l2);
    if (next != SFC_NEXT_TRANSIT6)
        return 0;
    if (sfc_pop(ctx, l2)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return 0;
    }
    st->action = SFC_ACT_TRANSIT6;
    return 0;
}

/* The ingress port: BPF_PROG_RUN names it in the test metadata (*test
 * set), live traffic by its interface. Returns 0, or -1 for an interface
 * that is not ours (it goes to the kernel). */
static __always_inline int sfc_ingress(struct xdp_md *ctx, struct sfc_state *st, int *test)
{
    struct sfc_test_meta *m = (void *)(long)ctx->data_meta;
    if ((void *)(m + 1) <= (void *)(long)ctx->data && m->magic == SFC_TEST_MAGIC) {
        *test = 1;
        st->ingress = m->ingress_port;
        return 0;
    }
    __u32 ifindex = ctx->ingress_ifindex;
    __u32 *port = SFC_LOOKUP(sfc_ifindex_ports, st->gen, &ifindex);
    if (!port)
        return -1;
    st->ingress = *port;
    return 0;
}

/* Stage 3: the action dispatch chose, run to completion. */
static __always_inline void sfc_act(struct xdp_md *ctx, struct sfc_state *st, const struct sfc_globals *g)
{
    switch (st->action) {
    case SFC_ACT_CLASSIFIED: {
        __u32 c = st->arg;
        struct sfc_chain *ch = SFC_LOOKUP(sfc_chains, st->gen, &c);
        if (!ch)
            sfc_drop(st, SFC_DROP_UNCLASSIFIED);
        else if (ch->encap == SFC_ENCAP_NSH)
            sfc_nsh_encap(ctx, st, ch);
        else
            sfc_srv6_encap(ctx, st, c, ch);
        break;
    }
    case SFC_ACT_NSH:
        sfc_nsh_forward(ctx, st);
        break;
    case SFC_ACT_VXLAN:
        sfc_vxlan_decap(ctx, st);
        break;
    case SFC_ACT_LOCAL_SID:
        /* RFC 8754 s2.1.2.1 where traffic enters the SR domain (a
         * require-hmac port), before the SID acts; not this node's own
         * liveness probes coming back. Swift checks it in dispatch; here
         * it runs from the main program, where the SHA-256 rounds' frames
         * fit the 512-byte stack. Nothing happens in between. */
        if ((g->hmac_ports >> (st->ingress & 63)) & 1 && st->sid.behavior != SFC_BEH_PROBE_REPLY) {
            int problem = sfc_hmac_problem(ctx, st->gen, st->skip);
            if (problem) {
                sfc_drop(st, (__u32)problem);
                break;
            }
        }
        sfc_ipv6_output(ctx, st);
        break;
    case SFC_ACT_PROXY_RETURN:
        sfc_proxy_return(ctx, st, st->arg, st->arg_l2, st->arg_type);
        break;
    case SFC_ACT_TRANSIT6:
        sfc_ipv6_transit(ctx, st);
        break;
    default:
        break;
    }
}

/* The verdict, and the drop / TX counters. */
static __always_inline int sfc_verdict(struct sfc_state *st, int test)
{
    /* A liveness probe back: recorded, never forwarded, not a drop. */
    if (st->egress == SFC_CONSUMED)
        return XDP_DROP;
    if (st->reason) {
        st->egress = SFC_NONE;
        sfc_count_drop(st->reason);
        /* ARP, management traffic and the node's own address go to the
         * kernel (still counted under their reason). */
        return st->reason == SFC_DROP_NOT_FOR_US || st->reason == SFC_DROP_UNSUPPORTED_ETHERTYPE ? XDP_PASS
                                                                                                  : XDP_DROP;
    }
    /* The fallback action in the flags' low bits may only be ABORTED,
     * DROP, PASS or TX: under BPF_PROG_RUN, where the devmap may be
     * empty, the verdict is XDP_REDIRECT whatever the lookup says. */
    /* sfc_tx_ports holds one block of ports per generation slot: a
     * reload that renumbers ports never redirects an old-generation
     * packet by the new numbering. */
    __u32 tx = st->egress < SFC_MAX_PORTS ? sfc_gen_key(st->gen, SFC_MAX_PORTS, st->egress) : SFC_NONE;
    int verdict = (int)bpf_redirect_map(&sfc_tx_ports, tx, 0);
    if (test)
        verdict = XDP_REDIRECT;
    if (verdict == XDP_REDIRECT) {
        sfc_count_tx(st->gen, st->egress, st->tx_len);
        return verdict;
    }
    /* No devmap entry: the daemon removes a port whose link is
     * down (XDPDataplane.refreshLinks). */
    st->egress = SFC_NONE;
    st->reason = SFC_DROP_EGRESS_DOWN;
    sfc_count_drop(st->reason);
    return XDP_DROP;
}

SEC("xdp")
int sfc_xdp(struct xdp_md *ctx)
{
    struct sfc_state st;
    __u32 zero = 0;
    int test = 0;

    __builtin_memset(&st, 0, sizeof(st));
    st.egress = SFC_NONE;
    sfc_note_hop(&st, SFC_NONE, SFC_NONE, SFC_NONE);
    __u32 *active = bpf_map_lookup_elem(&sfc_active, &zero);
    if (!active)
        return XDP_PASS;
    st.gen = *active;
    /* The loader fills every inner map of a generation and sfc_globals
     * last (GenerationWriter) before sfc_active names it, so its globals
     * say the whole generation is there: one lookup, not one per table.
     * (Any other table missing still only drops: every lookup is checked.) */
    struct sfc_globals *g = SFC_LOOKUP(sfc_globals, st.gen, &zero);
    if (!g)
        return XDP_PASS;
    if (sfc_ingress(ctx, &st, &test))
        return XDP_PASS;
    /* Live trace: while it is off, this one read is all a packet pays. */
    __u32 in_len = 0;
    struct sfc_trace_arm *arm = bpf_map_lookup_elem(&sfc_trace_armed, &zero);
    if (arm && arm->remaining > 0) {
        in_len = sfc_len(ctx);
        st.trace = sfc_trace_begin(ctx, st.ingress);
    }

    sfc_dispatch(ctx, &st, g);
    sfc_act(ctx, &st, g);
    if (sfc_pending(&st))
        st.reason = SFC_DROP_NO_ROUTE;  /* never expected: every path decides */
    int verdict = sfc_verdict(&st, test);
    if (st.trace)
        sfc_trace_emit(ctx, &st, in_len, (__u32)verdict);
    if (test) {
        /* bpf_xdp_adjust_head moved the metadata along with the data. */
        struct sfc_test_meta *m = (void *)(long)ctx->data_meta;
        if ((void *)(m + 1) <= (void *)(long)ctx->data) {
            m->egress_port = st.egress;
            m->reason = st.reason;
        }
    }
    return verdict;
}

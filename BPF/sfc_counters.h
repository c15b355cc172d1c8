/* sfc XDP dataplane: per-packet state and the counters of docs/PIPELINE.md
 * "Counters" (Swift: CounterBlock). Every counter is a per-CPU array, so
 * plain increments; the loader sums the CPUs on read. */
#ifndef SFC_COUNTERS_H
#define SFC_COUNTERS_H

#include "sfc_maps.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif
/* A global BPF-to-BPF function: the verifier checks it once, on its own,
 * instead of once per call site (keeps verification complexity down).
 * Its pointer arguments may be NULL as far as the verifier knows, so each
 * one checks them. */
#define SFC_SUBPROG __attribute__((noinline))
/* Stack buffers that helpers write get 8-byte slots of their own: a helper
 * writing part of a slot makes the verifier forget a variable spilled to
 * the rest of it (e.g. a loop counter, which then looks unbounded). */
#define SFC_SLOT __attribute__((aligned(8)))

/* What one packet carries through the program (Swift: PacketMeta plus the
 * entry dispatch found). Scalars only, so subprograms may take a pointer. */
struct sfc_state {
    __u32 gen;                        /* sfc_active, read once */
    __u32 ingress;                    /* port index */
    __u32 egress;                     /* SFC_NONE until emitted */
    __u32 tx_len;                     /* frame length sent to egress (counted once the redirect is taken) */
    __u32 reason;                     /* drop reason, 0 while pending */
    __u32 trusted;
    __u32 known;                      /* sid below holds the DA's SID entry */
    __u32 skip;                       /* bytes at the front already popped (see sfc_pop_l3) */
    __u32 action;                     /* what dispatch decided: enum sfc_action */
    __u32 arg;                        /* its argument (chain, return key) */
    __u16 arg_l2;                     /* proxy return: Ethernet header length */
    __u16 arg_type;                   /* proxy return: ethertype */
    struct sfc_adjacency via;         /* argument of sfc_emit */
    struct sfc_sid_entry sid;
};

/* Swift Pipeline.Action: dispatch decides, the main program acts (so the
 * deep call chains of the actions start from a shallow stack). */
enum sfc_action {
    SFC_ACT_DONE = 0, SFC_ACT_CLASSIFIED, SFC_ACT_NSH, SFC_ACT_VXLAN, SFC_ACT_LOCAL_SID,
    SFC_ACT_PROXY_RETURN, SFC_ACT_TRANSIT6,
};

static __always_inline int sfc_pending(const struct sfc_state *st)
{
    return st->egress == SFC_NONE && st->reason == 0;
}

/* One drop, one reason (counted once, by the main program, at the end). */
static __always_inline void sfc_drop(struct sfc_state *st, __u32 reason)
{
    st->reason = reason;
}

/* The packet's first `need` bytes as a direct pointer the verifier has seen
 * bounds-checked, or NULL with the packet dropped `truncated`. */
static __always_inline __u8 *sfc_head(struct xdp_md *ctx, struct sfc_state *st, __u32 need)
{
    __u8 *data = (void *)(long)ctx->data;
    __u8 *end = (void *)(long)ctx->data_end;
    if (data + need > end) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return NULL;
    }
    return data;
}

static __always_inline void sfc_count_drop(__u32 reason)
{
    __u32 key = reason & (SFC_DROP_REASON_SLOTS - 1);
    __u64 *v = bpf_map_lookup_elem(&sfc_drop_counts, &key);
    if (v)
        *v += 1;
}

static __always_inline void sfc_count_rx(__u32 port)
{
    struct sfc_port_counters *c = bpf_map_lookup_elem(&sfc_port_counts, &port);
    if (c)
        c->rx_packets += 1;
}

/* Counted by the main program only when bpf_redirect_map took the frame:
 * a port whose link is down has no sfc_tx_ports entry, and what is not
 * sent is not counted as sent (it is dropped `egress-down`). */
static __always_inline void sfc_count_tx(__u32 port, __u64 bytes)
{
    struct sfc_port_counters *c = bpf_map_lookup_elem(&sfc_port_counts, &port);
    if (c) {
        c->tx_packets += 1;
        c->tx_bytes += bytes;
    }
}

static __always_inline void sfc_count_chain(__u32 chain, __u64 bytes)
{
    struct sfc_chain_counters *c = bpf_map_lookup_elem(&sfc_chain_counts, &chain);
    if (c) {
        c->packets += 1;
        c->bytes += bytes;
    }
}

static __always_inline void sfc_count_hop_index(__u32 index)
{
    __u64 *v = bpf_map_lookup_elem(&sfc_hop_counts, &index);
    if (v)
        *v += 1;
}

static __always_inline void sfc_count_instance_index(__u32 index)
{
    __u64 *v = bpf_map_lookup_elem(&sfc_instance_counts, &index);
    if (v)
        *v += 1;
}

/* Swift Pipeline.countHop: hop k of chain c, and instance i of function f
 * when the hop has one (f >= 0). */
static __noinline void sfc_count_hop(__u32 gen, __u32 chain, __u32 position, __s32 function, __s32 instance)
{
    struct sfc_chain *c = SFC_LOOKUP(sfc_chains, gen, &chain);
    if (c)
        sfc_count_hop_index(c->hop_counter_base + position);
    if (function >= 0) {
        __u32 fi = (__u32)function;
        struct sfc_function *fn = SFC_LOOKUP(sfc_functions, gen, &fi);
        if (fn)
            sfc_count_instance_index(fn->instance_counter_base + (__u32)instance);
    }
}

#endif

/* sfc XDP dataplane: the counters of docs/PIPELINE.md "Counters" (Swift:
 * CounterBlock). Every counter is a per-CPU array, so plain increments; the
 * loader sums the CPUs on read. */
#ifndef SFC_COUNTERS_H
#define SFC_COUNTERS_H

#include "sfc_maps.h"
#include "sfc_state.h"

static __always_inline void sfc_count_drop(__u32 reason)
{
    __u32 key = reason & (SFC_DROP_REASON_SLOTS - 1);
    __u64 *v = bpf_map_lookup_elem(&sfc_drop_counts, &key);
    if (v)
        *v += 1;
}

/* The positional counters below hold one block per generation slot
 * (sfc_gen_key): the loader reads a retired slot's final counts in its own
 * tables' layout and carries them over by name (Counters.carried). */
static __always_inline void sfc_count_rx(__u32 gen, __u32 port)
{
    if (port >= SFC_MAX_PORTS)
        return;
    __u32 key = sfc_gen_key(gen, SFC_MAX_PORTS, port);
    struct sfc_port_counters *c = bpf_map_lookup_elem(&sfc_port_counts, &key);
    if (c)
        c->rx_packets += 1;
}

/* Counted by the main program only when bpf_redirect_map took the frame:
 * a port whose link is down has no sfc_tx_ports entry, and what is not
 * sent is not counted as sent (it is dropped `egress-down`). */
static __always_inline void sfc_count_tx(__u32 gen, __u32 port, __u64 bytes)
{
    if (port >= SFC_MAX_PORTS)
        return;
    __u32 key = sfc_gen_key(gen, SFC_MAX_PORTS, port);
    struct sfc_port_counters *c = bpf_map_lookup_elem(&sfc_port_counts, &key);
    if (c) {
        c->tx_packets += 1;
        c->tx_bytes += bytes;
    }
}

static __always_inline void sfc_count_chain(__u32 gen, __u32 chain, __u64 bytes)
{
    if (chain >= SFC_MAX_CHAINS)
        return;
    __u32 key = sfc_gen_key(gen, SFC_MAX_CHAINS, chain);
    struct sfc_chain_counters *c = bpf_map_lookup_elem(&sfc_chain_counts, &key);
    if (c) {
        c->packets += 1;
        c->bytes += bytes;
    }
}

/* One u64 packet counter of a per-CPU array laid out by generation slot
 * (`per` entries a slot, sfc_gen_key). */
static __always_inline void sfc_count_one(void *map, __u32 gen, __u32 per, __u32 index)
{
    if (index >= per)
        return;
    __u32 key = sfc_gen_key(gen, per, index);
    __u64 *v = bpf_map_lookup_elem(map, &key);
    if (v)
        *v += 1;
}

/* A steering rule's match (ClassifierRule.watchSlot). */
static __always_inline void sfc_count_watch(__u32 gen, __u32 slot)
{
    sfc_count_one(&sfc_watch_counts, gen, SFC_MAX_WATCHED_RULES, slot);
}

static __always_inline void sfc_count_hop_index(__u32 gen, __u32 index)
{
    sfc_count_one(&sfc_hop_counts, gen, SFC_MAX_HOP_COUNTERS, index);
}

static __always_inline void sfc_count_instance_index(__u32 gen, __u32 index)
{
    sfc_count_one(&sfc_instance_counts, gen, SFC_MAX_INSTANCE_COUNTERS, index);
}

/* Swift Pipeline.countHop: hop k of chain c, and instance i of function f
 * when the hop has one (f >= 0). */
static __noinline void sfc_count_hop(__u32 gen, __u32 chain, __u32 position, __s32 function, __s32 instance)
{
    struct sfc_chain *c = SFC_LOOKUP(sfc_chains, gen, &chain);
    if (c)
        sfc_count_hop_index(gen, c->hop_counter_base + position);
    if (function >= 0) {
        __u32 fi = (__u32)function;
        struct sfc_function *fn = SFC_LOOKUP(sfc_functions, gen, &fi);
        if (fn)
            sfc_count_instance_index(gen, fn->instance_counter_base + (__u32)instance);
    }
}

#endif

/* sfc XDP dataplane: map definitions (the names are the contract with the
 * Swift loader, Sources/SFCXDP; layouts come from include/sfc_tables.h).
 *
 * Config tables are generational: each is an ARRAY_OF_MAPS with
 * SFC_GENERATIONS slots; sfc_active[0] names the slot a packet uses. The
 * loader fills fresh inner maps in the idle slot and then flips sfc_active,
 * so a packet (which reads sfc_active once) sees one whole generation.
 * The drop counters are not generational. The positional
 * counters, the End.AD cache and the NSH proxy state are laid out by one
 * generation's tables, so they hold one block per generation slot (index =
 * slot * per-slot size + i, sfc_gen_key): a reload fills the idle slot's
 * block (state of surviving attachments copied in, counters zeroed after the
 * loader folded their last counts into its carried total), then flips. */
#ifndef SFC_MAPS_H
#define SFC_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "sfc_tables.h"
#include "sfc_drop_reasons.h"
#include "sfc_trace.h"
#include "sfc_steps.h"

/* A generational table: outer ARRAY_OF_MAPS whose inner template is the
 * anonymous struct given as the rest of the arguments. */
#define SFC_GEN_TABLE(NAME, ...)                                    \
    struct {                                                        \
        __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);                   \
        __uint(max_entries, SFC_GENERATIONS);                       \
        __type(key, __u32);                                         \
        __array(values, struct { __VA_ARGS__ });                    \
    } NAME SEC(".maps")

SFC_GEN_TABLE(sfc_globals,
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sfc_globals););

SFC_GEN_TABLE(sfc_ports,
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_MAX_PORTS);
    __type(key, __u32);
    __type(value, struct sfc_port););

SFC_GEN_TABLE(sfc_ifindex_ports,
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, SFC_MAX_PORTS);
    __type(key, __u32);
    __type(value, __u32););

SFC_GEN_TABLE(sfc_chains,
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_MAX_CHAINS);
    __type(key, __u32);
    __type(value, struct sfc_chain););

SFC_GEN_TABLE(sfc_functions,
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_MAX_FUNCTIONS);
    __type(key, __u32);
    __type(value, struct sfc_function););

SFC_GEN_TABLE(sfc_instances,
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_MAX_FUNCTIONS * SFC_MAX_INSTANCES);
    __type(key, __u32);
    __type(value, struct sfc_instance););

/* SIDs by slot: sfc_sid_find (sfc_srv6.h), include/sfc_tables.h. */
SFC_GEN_TABLE(sfc_sids,
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_SID_SLOTS);
    __type(key, __u32);
    __type(value, struct sfc_sid_slot););

SFC_GEN_TABLE(sfc_returns,
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, SFC_MAX_RETURNS);
    __type(key, __u32);
    __type(value, struct sfc_return_entry););

/* (SPI, SI) entries by slot: sfc_path_find, include/sfc_tables.h. */
SFC_GEN_TABLE(sfc_nsh_paths,
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_PATH_SLOTS);
    __type(key, __u32);
    __type(value, struct sfc_path_slot););

SFC_GEN_TABLE(sfc_routes4,
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, SFC_MAX_ROUTES);
    __type(key, struct sfc_lpm4_key);
    __type(value, struct sfc_adjacency););

SFC_GEN_TABLE(sfc_routes6,
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, SFC_MAX_ROUTES);
    __type(key, struct sfc_lpm6_key);
    __type(value, struct sfc_adjacency););

SFC_GEN_TABLE(sfc_tuples,
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_MAX_TUPLES);
    __type(key, __u32);
    __type(value, struct sfc_tuple););

SFC_GEN_TABLE(sfc_class_keys,
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(max_entries, SFC_MAX_CLASS_KEYS);
    __type(key, struct sfc_class_key);
    __type(value, struct sfc_class_value););

/* SRv6 HMAC keys by key id (the node's hmac-keys file), pads absorbed. */
SFC_GEN_TABLE(sfc_hmac_keys,
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, SFC_MAX_HMAC_KEYS);
    __type(key, __u32);
    __type(value, struct sfc_hmac_key););

/* sfc_active[0]: the generation packets use (0 or 1). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} sfc_active SEC(".maps");

/* generation slot * SFC_MAX_PORTS + port index -> ifindex, for
 * bpf_redirect_map (sfc_gen_key). */
struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, SFC_GENERATIONS * SFC_MAX_PORTS);
    __type(key, __u32);
    __type(value, __u32);
} sfc_tx_ports SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SFC_DROP_REASON_SLOTS);
    __type(key, __u32);
    __type(value, __u64);
} sfc_drop_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SFC_GENERATIONS * (SFC_MAX_PORTS));
    __type(key, __u32);
    __type(value, struct sfc_port_counters);
} sfc_port_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SFC_GENERATIONS * (SFC_MAX_CHAINS));
    __type(key, __u32);
    __type(value, struct sfc_chain_counters);
} sfc_chain_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SFC_GENERATIONS * (SFC_MAX_HOP_COUNTERS));
    __type(key, __u32);
    __type(value, __u64);
} sfc_hop_counts SEC(".maps");

/* Packets classified by each watched (steering) rule, per generation slot. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SFC_GENERATIONS * (SFC_MAX_WATCHED_RULES));
    __type(key, __u32);
    __type(value, __u64);
} sfc_watch_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SFC_GENERATIONS * (SFC_MAX_INSTANCE_COUNTERS));
    __type(key, __u32);
    __type(value, __u64);
} sfc_instance_counts SEC(".maps");

/* End.AD learned headers, one slot per dynamic-proxy instance; shared by
 * every CPU (draft-ietf-spring-sr-service-programming s6.2: the cache is
 * per proxy instance, not per CPU). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_GENERATIONS * (SFC_MAX_PROXY_CACHES));
    __type(key, __u32);
    __type(value, struct sfc_proxy_cache);
} sfc_proxy_cache SEC(".maps");

/* NSH proxy state, per flow: SFC_NSH_PROXY_FLOWS direct-mapped slots per
 * NSH-unaware return attachment; shared by every CPU (a reply may come back
 * on another CPU than the one its flow left on). One block set per
 * generation slot: a reload copies the blocks of attachments that survive
 * into the new slot's positions and leaves the rest empty. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_GENERATIONS * (SFC_MAX_NSH_PROXY_BLOCKS * SFC_NSH_PROXY_FLOWS));
    __type(key, __u32);
    __type(value, struct sfc_nsh_state);
} sfc_nsh_proxy_state SEC(".maps");

/* The node's flow affinity table (docs/PIPELINE.md "Instance state, fail
 * mode and flow affinity"): shared by every CPU and every generation, its
 * entries name functions and instances by the hash of their names. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_AFFINITY_SETS * SFC_AFFINITY_WAYS);
    __type(key, __u32);
    __type(value, struct sfc_affinity_entry);
} sfc_affinity SEC(".maps");

/* Liveness probes seen back, by token (the daemon reads them). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, SFC_MAX_PROBES);
    __type(key, __u32);
    __type(value, struct sfc_probe_reply);
} sfc_probe_replies SEC(".maps");

/* Node events (include/sfc_steps.h SFC_EVENTS), per CPU, not generational. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SFC_EVENT_SLOTS);
    __type(key, __u32);
    __type(value, __u64);
} sfc_event_counts SEC(".maps");

/* The instance an SRv6 headend chose for each hop of the packet it is
 * encapsulating (Swift Pipeline.chosen): chosen once, then read by every
 * segment written. Per CPU scratch, one packet at a time
 * (struct sfc_picks). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sfc_picks);
} sfc_picks SEC(".maps");

/* The classifier cache (BPF/sfc_classify.h): per CPU, not generational
 * (an entry names the generation it belongs to). */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SFC_CLASS_CACHE_ENTRIES);
    __type(key, __u32);
    __type(value, struct sfc_class_cache_entry);
} sfc_class_cache SEC(".maps");

/* The live trace (include/sfc_trace.h, BPF/sfc_live_trace.h): the armed
 * state and filter, the frame as it arrived (per CPU, copied only while
 * armed), the events, and the events the full ring could not take. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sfc_trace_arm);
} sfc_trace_armed SEC(".maps");

struct sfc_trace_frame {
    __u8 bytes[SFC_TRACE_BYTES];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sfc_trace_frame);
} sfc_trace_scratch SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, SFC_TRACE_RING_BYTES);
} sfc_trace_events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} sfc_trace_drops SEC(".maps");

/* Index i of the block of generation slot `gen` in a map of
 * SFC_GENERATIONS blocks of `per` entries (sfc_active is 0 or 1). */
static inline __u32 sfc_gen_key(__u32 gen, __u32 per, __u32 i)
{
    return (gen & (SFC_GENERATIONS - 1)) * per + i;
}
#define SFC_NSH_STATE_SLOTS (SFC_MAX_NSH_PROXY_BLOCKS * SFC_NSH_PROXY_FLOWS)

/* clang emits the key/value types of inner map templates (two pointer
 * levels down from the outer map) as BTF forward declarations only, and
 * libbpf then cannot size the inner maps. This never-called function takes
 * every table type as a parameter member, which makes clang emit them in
 * full. libbpf loads only the subprograms a program calls, so it costs
 * nothing at run time. */
struct sfc_btf_anchor {
    struct sfc_globals globals;
    struct sfc_port port;
    struct sfc_chain chain;
    struct sfc_function function;
    struct sfc_instance instance;
    struct sfc_sid_key sid_key;
    struct sfc_sid_entry sid_entry;
    struct sfc_return_entry return_entry;
    struct sfc_path_entry path_entry;
    struct sfc_path_slot path_slot;
    struct sfc_sid_slot sid_slot;
    struct sfc_lpm4_key lpm4_key;
    struct sfc_lpm6_key lpm6_key;
    struct sfc_adjacency adjacency;
    struct sfc_tuple tuple;
    struct sfc_class_key class_key;
    struct sfc_class_value class_value;
    struct sfc_port_counters port_counters;
    struct sfc_chain_counters chain_counters;
    struct sfc_proxy_cache proxy_cache;
    struct sfc_nsh_state nsh_state;
    struct sfc_test_meta test_meta;
    struct sfc_trace_filter trace_filter;
    struct sfc_trace_arm trace_arm;
    struct sfc_trace_event trace_event;
    struct sfc_affinity_entry affinity_entry;
    struct sfc_probe_reply probe_reply;
    struct sfc_picks picks;
    struct sfc_class_cache_entry class_cache_entry;
    struct sfc_hmac_key hmac_key;
};

__attribute__((noinline)) int sfc_btf_anchor(struct sfc_btf_anchor *anchor)
{
    return anchor != 0;
}

/* Look KEY up in generation GEN of the generational table OUTER. */
#define SFC_LOOKUP(OUTER, GEN, KEY)                                         \
    ({                                                                      \
        __u32 __g = (GEN);                                                  \
        void *__inner = bpf_map_lookup_elem(&OUTER, &__g);                  \
        __inner ? bpf_map_lookup_elem(__inner, (KEY)) : (void *)0;          \
    })

#endif

/* sfc XDP dataplane: the classifier (Swift Tables/Classifier.swift), a
 * tuple-space search over the shapes in sfc_tuples, best shape first. Each
 * shape masks the packet's fields into a struct sfc_class_key and looks it
 * up in sfc_class_keys; a hit lists up to SFC_CLASS_CANDIDATES rules, best
 * first, whose port ranges are checked when the shape has a range. The
 * search stops when no remaining shape can beat the rule in hand.
 * In front of it, the per-CPU classifier cache (sfc_class_cache): a flow's
 * later packets cost one hash and one compare (Swift ClassifierCache). */
#ifndef SFC_CLASSIFY_H
#define SFC_CLASSIFY_H

#include <bpf/bpf_endian.h>
#include "sfc_maps.h"
#include "sfc_state.h"
#include "sfc_counters.h"

/* What the classifier reads (Swift FlowFields). IPv4 addresses in the
 * first 4 bytes, network order; ports host order. */
struct sfc_fields {
    __u8 src[16];
    __u8 dst[16];
    __u16 sport;
    __u16 dport;
    __u8 proto;
    __u8 dscp;
    __u8 v6;
    __u8 pad;
} __attribute__((aligned(8)));       /* read as 5 words by the cache */

/* The search state bpf_loop hands to each step. */
struct sfc_class_search {
    struct sfc_fields f;
    __u32 gen;
    __u32 ingress;
    __u32 count;                      /* tuples in use */
    __u32 best;                       /* best rule so far (lower wins) */
    __u32 chain;                      /* its chain */
    __u32 pad;
};

/* One tuple (one bpf_loop step: the verifier checks it once, not once per
 * tuple). Returns 1 to stop the search. */
static long sfc_classify_tuple(__u32 t, void *arg)
{
    struct sfc_class_search *s = arg;
    __u32 gen = s->gen;
    if (t >= s->count)
        return 1;
    struct sfc_tuple *tp = SFC_LOOKUP(sfc_tuples, gen, &t);
    if (!tp)
        return 1;
    /* No remaining tuple can beat the rule in hand. */
    if (tp->best_rule >= s->best)
        return 1;
    __u32 family = s->f.v6 ? 6 : 4;
    if (tp->family != family)
        return 0;
    struct sfc_class_key key;
    __builtin_memset(&key, 0, sizeof(key));
    key.tuple = t;
    if (family == 6) {
#pragma unroll
        for (int i = 0; i < 16; i++) {
            key.source[i] = s->f.src[i] & tp->source_mask[i];
            key.destination[i] = s->f.dst[i] & tp->destination_mask[i];
        }
    } else {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            key.source[i] = s->f.src[i] & tp->source_mask[i];
            key.destination[i] = s->f.dst[i] & tp->destination_mask[i];
        }
    }
    if (tp->proto)
        key.proto = s->f.proto;
    if (tp->dscp)
        key.dscp = s->f.dscp & 0x3F;
    if (tp->ingress)
        key.ingress = (__u16)s->ingress;
    if (tp->source_ports == SFC_PORTS_EXACT)
        key.source_port = bpf_htons(s->f.sport);
    if (tp->destination_ports == SFC_PORTS_EXACT)
        key.destination_port = bpf_htons(s->f.dport);
    int ranges = tp->source_ports == SFC_PORTS_RANGE || tp->destination_ports == SFC_PORTS_RANGE;
    struct sfc_class_value *v = SFC_LOOKUP(sfc_class_keys, gen, &key);
    if (!v)
        return 0;
    __u32 n = v->count;
    __u16 sport = s->f.sport, dport = s->f.dport;
    for (__u32 c = 0; c < SFC_CLASS_CANDIDATES; c++) {
        if (c >= n)
            break;
        struct sfc_class_candidate *cd = &v->candidates[c];
        if (cd->rule >= s->best)
            break;
        if (ranges && (sport < cd->source_port_low || sport > cd->source_port_high ||
                       dport < cd->destination_port_low || dport > cd->destination_port_high))
            continue;
        s->best = cd->rule;
        s->chain = cd->chain;
        break;
    }
    return 0;
}

/* The cache's slot for fields w (5 words) and ingress: a multiply-xor
 * chain over the 6 words. */
static __always_inline __u32 sfc_class_cache_slot(const __u64 *w, __u64 ingress)
{
    __u64 h = (w[0] ^ 0x5FC05FC0ull) * 0x9E3779B97F4A7C15ull;
    h = (h ^ (h >> 29) ^ w[1]) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 29) ^ w[2]) * 0x94D049BB133111EBull;
    h = (h ^ (h >> 29) ^ w[3]) * 0x9E3779B97F4A7C15ull;
    h = (h ^ (h >> 29) ^ w[4]) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 29) ^ ingress) * 0x94D049BB133111EBull;
    return (__u32)((h ^ (h >> 32)) >> 7) & (SFC_CLASS_CACHE_ENTRIES - 1);
}

/* The search's answer for s->f, from the cache when the flow is there (the
 * entry of this generation's epoch with the same key), else searched and
 * remembered. The key is everything the search reads, so a hit is what
 * the search would answer. The fields are read in place, as words: the
 * combined stack of the program's calls has no room for a copy. */
static __always_inline __u32 sfc_classify_cached(struct sfc_class_search *s, __u64 epoch)
{
    const __u64 *w = (const __u64 *)&s->f;
    __u64 ingress = s->ingress;
    struct sfc_class_cache_entry *e = (void *)0;
    /* One tuple or none: the cache would cost what it saves (as in Swift).
     * One bpf_loop call site either way: the verifier walks it once. */
    if (epoch && s->count > 1) {
        __u32 slot = sfc_class_cache_slot(w, ingress);
        e = bpf_map_lookup_elem(&sfc_class_cache, &slot);
        if (e && e->epoch == epoch && e->key[0] == w[0] && e->key[1] == w[1] && e->key[2] == w[2] &&
            e->key[3] == w[3] && e->key[4] == w[4] && e->key[5] == ingress)
            return e->chain;
    }
    bpf_loop(SFC_MAX_TUPLES, sfc_classify_tuple, s, 0);
    if (e) {
        e->epoch = epoch;
        e->key[0] = w[0];
        e->key[1] = w[1];
        e->key[2] = w[2];
        e->key[3] = w[3];
        e->key[4] = w[4];
        e->key[5] = ingress;
        e->chain = s->chain;
    }
    return s->chain;
}

/* Returns the chain of the first rule in precedence order that matches,
 * or SFC_NONE. */
SFC_SUBPROG __u32 sfc_classify(struct sfc_state *st, struct sfc_fields *f, const struct sfc_globals *g)
{
    struct sfc_class_search s;
    if (!st || !f || !g)
        return SFC_NONE;
    __builtin_memset(&s, 0, sizeof(s));
    __builtin_memcpy(&s.f, f, sizeof(s.f));
    s.gen = st->gen;
    s.ingress = st->ingress;
    s.count = g->tuple_count;
    s.best = 0xFFFFFFFFu;
    s.chain = SFC_NONE;
    __u32 chain = sfc_classify_cached(&s, g->class_epoch);
    if (chain == SFC_NONE)
        return SFC_NONE;
    /* A steering rule's hit is counted (its idle expiry reads it). */
    __u32 watch = chain >> SFC_CLASS_WATCH_SHIFT;
    if (watch)
        sfc_count_watch(s.gen, watch - 1);
    return chain & ((1u << SFC_CLASS_WATCH_SHIFT) - 1);
}

#endif

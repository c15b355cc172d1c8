/* sfc XDP dataplane: the classifier (Swift Tables/Classifier.swift), a
 * tuple-space search over the shapes in sfc_tuples, best shape first. Each
 * shape masks the packet's fields into a struct sfc_class_key and looks it
 * up in sfc_class_keys; a hit lists up to SFC_CLASS_CANDIDATES rules, best
 * first, whose port ranges are checked when the shape has a range. The
 * search stops when no remaining shape can beat the rule in hand. */
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
};

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

/* Returns the chain of the first rule in precedence order that matches,
 * or SFC_NONE. */
SFC_SUBPROG __u32 sfc_classify(struct sfc_state *st, struct sfc_fields *f)
{
    struct sfc_class_search s;
    __u32 zero = 0;
    if (!st || !f)
        return SFC_NONE;
    struct sfc_globals *g = SFC_LOOKUP(sfc_globals, st->gen, &zero);
    if (!g)
        return SFC_NONE;
    __builtin_memset(&s, 0, sizeof(s));
    __builtin_memcpy(&s.f, f, sizeof(s.f));
    s.gen = st->gen;
    s.ingress = st->ingress;
    s.count = g->tuple_count;
    s.best = 0xFFFFFFFFu;
    s.chain = SFC_NONE;
    bpf_loop(SFC_MAX_TUPLES, sfc_classify_tuple, &s, 0);
    if (s.chain == SFC_NONE)
        return SFC_NONE;
    /* A steering rule's hit is counted (its idle expiry reads it). */
    __u32 watch = s.chain >> SFC_CLASS_WATCH_SHIFT;
    if (watch)
        sfc_count_watch(s.gen, watch - 1);
    return s.chain & ((1u << SFC_CLASS_WATCH_SHIFT) - 1);
}

#endif

/* sfc XDP dataplane: which instance of a function a packet goes to - the
 * live bucket table, the instance states and the node's flow affinity
 * table (docs/PIPELINE.md "Instance state, fail mode and flow affinity").
 * Mirrors Sources/SFCCore/Pipeline/InstanceChoice.swift. */
#ifndef SFC_INSTANCE_H
#define SFC_INSTANCE_H

#include "sfc_flowhash.h"
#include "sfc_maps.h"
#include "sfc_state.h"

#ifndef READ_ONCE
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#endif
#ifndef WRITE_ONCE
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#endif

static __always_inline void sfc_count_event(__u32 event)
{
    __u32 key = event & (SFC_EVENT_SLOTS - 1);
    __u64 *v = bpf_map_lookup_elem(&sfc_event_counts, &key);
    if (v)
        *v += 1;
}

/* Is instance i of function f DOWN (in the packet's generation)? */
static __always_inline int sfc_instance_down(__u32 gen, __u32 f, __u32 i)
{
    __u32 slot = f * SFC_MAX_INSTANCES + (i & (SFC_MAX_INSTANCES - 1));
    struct sfc_instance *in = SFC_LOOKUP(sfc_instances, gen, &slot);
    return !in || in->state == SFC_INSTANCE_DOWN;
}

/* Does function f fail open (docs/PIPELINE.md "Instance state, fail mode
 * and flow affinity")? */
static __always_inline int sfc_fails_open(__u32 gen, __u32 f)
{
    struct sfc_function *fn = SFC_LOOKUP(sfc_functions, gen, &f);
    return fn && fn->fail_mode == SFC_FAIL_OPEN;
}

/* Instance and expiry first, key last: a CPU that sees the new key sees
 * its instance. */
static __always_inline void sfc_affinity_write(struct sfc_affinity_entry *e, __u32 hash, __u32 fid, __u32 instance,
                                               __u32 expires)
{
    WRITE_ONCE(e->instance, instance);
    WRITE_ONCE(e->expires, expires);
    WRITE_ONCE(e->flow, hash);
    WRITE_ONCE(e->function, fid);
}

/* The instance index for flow `hash` at function f, or -1 when no
 * instance can take it (the function's fail mode decides). */
SFC_SUBPROG int sfc_choose_instance(struct sfc_state *st, __u32 f, __u32 hash)
{
    if (!st)
        return -1;
    struct sfc_function *fn = SFC_LOOKUP(sfc_functions, st->gen, &f);
    if (!fn)
        return -1;
    __u32 n = fn->instance_count;
    if (n <= 1)
        return n == 1 && !sfc_instance_down(st->gen, f, 0) ? 0 : -1;
    __u32 b = fn->buckets[sfc_flow_bucket(hash)];
    __u32 idle = fn->affinity_idle_ticks;
    if (!idle)
        return b == SFC_BUCKET_NONE ? -1 : (int)(b & (SFC_MAX_INSTANCES - 1));
    __u32 fid = fn->id;
    __u32 now = (__u32)(bpf_ktime_get_ns() >> SFC_AFFINITY_TICK_SHIFT);
    __u32 first = (sfc_fmix32(hash ^ fid) & (SFC_AFFINITY_SETS - 1)) * SFC_AFFINITY_WAYS;
    /* One pass over the ways: the flow's entry, else the victim (the first
     * empty way, else the first expired one, else the soonest to expire). */
    int empty = -1, expired = -1, soonest = -1;
    __s32 soonest_left = 0;
    struct sfc_affinity_entry *e;
#pragma unroll
    for (int w = 0; w < SFC_AFFINITY_WAYS; w++) {
        __u32 key = first + w;
        e = bpf_map_lookup_elem(&sfc_affinity, &key);
        if (!e)
            return -1;
        __u32 ef = READ_ONCE(e->function);
        __s32 left = (__s32)(READ_ONCE(e->expires) - now);
        if (READ_ONCE(e->flow) == hash && ef == fid) {
            __u32 id = READ_ONCE(e->instance);
            int i = -1;
            for (__u32 k = 0; k < SFC_MAX_INSTANCES; k++) {
                if (k >= n)
                    break;
                if (fn->instance_ids[k] == id) {
                    i = (int)k;
                    break;
                }
            }
            if (i >= 0 && left >= 0 && !sfc_instance_down(st->gen, f, (__u32)i)) {
                if (e->expires != now + idle)
                    WRITE_ONCE(e->expires, now + idle);
                return i;
            }
            if (b == SFC_BUCKET_NONE)
                return -1;
            sfc_affinity_write(e, hash, fid, fn->instance_ids[b & (SFC_MAX_INSTANCES - 1)], now + idle);
            sfc_count_event(left >= 0 ? SFC_EVENT_AFFINITY_MOVED : SFC_EVENT_AFFINITY_EXPIRED);
            return (int)(b & (SFC_MAX_INSTANCES - 1));
        }
        if (ef == 0) {
            if (empty < 0)
                empty = w;
        } else if (left < 0 && expired < 0) {
            expired = w;
        }
        if (soonest < 0 || left < soonest_left) {
            soonest = w;
            soonest_left = left;
        }
    }
    if (b == SFC_BUCKET_NONE)
        return -1;
    __u32 event = SFC_EVENT_AFFINITY_EVICTED;
    int victim = soonest;
    if (empty >= 0) {
        victim = empty;
        event = SFC_EVENT_AFFINITY_NEW;
    } else if (expired >= 0) {
        victim = expired;
        event = SFC_EVENT_AFFINITY_EXPIRED;
    }
    __u32 key = first + ((__u32)victim & (SFC_AFFINITY_WAYS - 1));
    e = bpf_map_lookup_elem(&sfc_affinity, &key);
    if (!e)
        return -1;
    sfc_affinity_write(e, hash, fid, fn->instance_ids[b & (SFC_MAX_INSTANCES - 1)], now + idle);
    sfc_count_event(event);
    return (int)(b & (SFC_MAX_INSTANCES - 1));
}

#endif

/* The symmetric flow hash of docs/PIPELINE.md, for the XDP programs and for
 * the host (a Swift test compares it with SFCCore.FlowHash). Addresses and
 * ports are host-order words: callers convert with bpf_ntohl / bpf_ntohs. */
#ifndef SFC_FLOWHASH_H
#define SFC_FLOWHASH_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* The seed when the node names no flow-hash key: public, so anyone can
 * compute which instance, affinity set or NSH proxy slot a flow reaches.
 * A node's `flow-hash-key` file replaces it (docs/PIPELINE.md "Flow hash"). */
#define SFC_FLOWHASH_SEED 0x5fc05fc0u

/* The murmur3 32-bit finalizer. */
static __always_inline __u32 sfc_fmix32(__u32 h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static __always_inline __u32 sfc_mix(__u32 h, __u32 w)
{
    return sfc_fmix32(h ^ w) + 0x9e3779b9u;
}

/* One flow: IPv4 uses a[0] and b[0] only (v6 == 0). */
struct sfc_flow {
    __u32 a[4];
    __u32 b[4];
    __u16 pa;
    __u16 pb;
    __u8 proto;
    __u8 v6;
};

/* Is endpoint (a, pa) after (b, pb)? Addresses compare as unsigned
 * integers, most significant word first, then the port. */
static __always_inline int sfc_flow_after(const struct sfc_flow *f)
{
    int n = f->v6 ? 4 : 1;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        if (i >= n)
            break;
        if (f->a[i] != f->b[i])
            return f->a[i] > f->b[i];
    }
    return f->pa > f->pb;
}

/* Both directions of a flow hash alike: the endpoints go in canonical order.
 * `seed` is the node's (SFC_FLOWHASH_SEED without a key). */
static __always_inline __u32 sfc_flow_hash(const struct sfc_flow *f, __u32 seed)
{
    int swap = sfc_flow_after(f);
    const __u32 *first = swap ? f->b : f->a;
    const __u32 *second = swap ? f->a : f->b;
    __u32 p1 = swap ? f->pb : f->pa;
    __u32 p2 = swap ? f->pa : f->pb;
    __u32 h = seed;
    int n = f->v6 ? 4 : 1;
#pragma unroll
    for (int i = 0; i < 4; i++)
        if (i < n)
            h = sfc_mix(h, first[i]);
#pragma unroll
    for (int i = 0; i < 4; i++)
        if (i < n)
            h = sfc_mix(h, second[i]);
    h = sfc_mix(h, p1 << 16 | p2);
    h = sfc_mix(h, f->proto);
    return sfc_fmix32(h);
}

/* The bucket of a function's 1024-entry instance table. */
#define SFC_INSTANCE_BUCKETS 1024
static __always_inline __u32 sfc_flow_bucket(__u32 hash)
{
    return hash & (SFC_INSTANCE_BUCKETS - 1);
}

#endif

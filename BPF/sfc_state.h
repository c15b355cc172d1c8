/* sfc XDP dataplane: what every part of the program shares - the
 * per-packet state (struct sfc_state), what dispatch decided (enum
 * sfc_action), a drop and its reason, and the conventions subprograms and
 * stack buffers follow for the verifier. */
#ifndef SFC_STATE_H
#define SFC_STATE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "sfc_tables.h"
#include "sfc_drop_reasons.h"

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
    __u32 trace;                      /* a live trace follows this packet (sfc_live_trace.h) */
    __u32 chain;                      /* for the trace: chain, function, instance indices */
    __u32 function;                   /* once known (SFC_NONE before) */
    __u32 instance;
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

/* What the packet is on, for a live trace (plain stores: free when off). */
static __always_inline void sfc_note_hop(struct sfc_state *st, __u32 chain, __u32 function, __u32 instance)
{
    st->chain = chain;
    st->function = function;
    st->instance = instance;
}

#endif

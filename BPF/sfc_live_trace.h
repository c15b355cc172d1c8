/* sfc XDP dataplane: the live trace (docs/ARCHITECTURE.md "XDP"; VPP's
 * packet trace is the model: one flag test per packet while off, bounded by
 * a count while on, records may be lost, packets never).
 * While sfc_trace_armed[0].remaining > 0 the main program calls
 * sfc_trace_begin on each packet as it arrives: the first bytes are copied
 * to a per-CPU scratch, the filter (sfc_trace_match, include/sfc_trace.h)
 * tested, and a match takes one from `remaining`. At the exit the packet
 * then gets one sfc_trace_event in the sfc_trace_events ring buffer; a full
 * ring counts in sfc_trace_drops and changes nothing for the packet. */
#ifndef SFC_LIVE_TRACE_H
#define SFC_LIVE_TRACE_H

#include "sfc_maps.h"
#include "sfc_parse.h"
#include "sfc_state.h"

/* How many bytes of the frame an event keeps: min(length, 256), 0 for an
 * empty frame. The barrier keeps clang from merging the clamp into a form
 * the verifier cannot bound (helpers need a size in [1, 256] here). */
static __always_inline __u32 sfc_trace_take(struct xdp_md *ctx)
{
    __u32 n = sfc_len(ctx);
    asm volatile("" : "+r"(n));
    if (n > SFC_TRACE_BYTES)
        n = SFC_TRACE_BYTES;
    asm volatile("" : "+r"(n));
    return n;
}

/* The frame as it arrived on port `ingress`: returns 1 when the trace
 * follows it (it matched and took one of the remaining events), else 0. */
SFC_SUBPROG int sfc_trace_begin(struct xdp_md *ctx, __u32 ingress)
{
    __u32 zero = 0;
    struct sfc_trace_arm *arm = bpf_map_lookup_elem(&sfc_trace_armed, &zero);
    struct sfc_trace_frame *frame = bpf_map_lookup_elem(&sfc_trace_scratch, &zero);
    if (!arm || !frame)
        return 0;
    __u32 n = sfc_trace_take(ctx);
    if (n == 0 || n > SFC_TRACE_BYTES || bpf_xdp_load_bytes(ctx, 0, frame->bytes, n))
        return 0;
    if (!sfc_trace_match(&arm->filter, frame->bytes, n, ingress))
        return 0;
    /* Several CPUs may match at once: only those that took a positive
     * count write an event, so never more than were asked for. */
    if (__sync_fetch_and_add(&arm->remaining, -1) <= 0)
        return 0;
    return 1;
}

/* At the exit of a traced packet: its event (the arriving bytes from the
 * scratch, the leaving frame from the packet as it is now). */
SFC_SUBPROG int sfc_trace_emit(struct xdp_md *ctx, struct sfc_state *st, __u32 in_len, __u32 action)
{
    __u32 zero = 0;
    if (!st)
        return 0;
    struct sfc_trace_frame *frame = bpf_map_lookup_elem(&sfc_trace_scratch, &zero);
    if (!frame)
        return 0;
    struct sfc_trace_event *e = bpf_ringbuf_reserve(&sfc_trace_events, sizeof(*e), 0);
    if (!e) {
        __u64 *dropped = bpf_map_lookup_elem(&sfc_trace_drops, &zero);
        if (dropped)
            *dropped += 1;
        return 0;
    }
    e->ingress = st->ingress;
    e->ingress_length = in_len;
    e->action = action;
    e->reason = st->reason;
    e->egress = st->egress;
    e->chain = st->chain;
    e->function = st->function;
    e->instance = st->instance;
    e->slot = st->gen;
    __builtin_memcpy(e->ingress_bytes, frame->bytes, SFC_TRACE_BYTES);
    e->egress_length = 0;
    if (action != XDP_DROP && action != XDP_ABORTED) {
        __u32 n = sfc_trace_take(ctx);
        if (n > 0 && n <= SFC_TRACE_BYTES && bpf_xdp_load_bytes(ctx, 0, e->egress_bytes, n) == 0)
            e->egress_length = sfc_len(ctx);
    }
    bpf_ringbuf_submit(e, 0);
    return 0;
}

#endif

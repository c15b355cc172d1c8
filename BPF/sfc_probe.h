/* sfc XDP dataplane: liveness probes coming back (docs/PIPELINE.md
 * "Liveness probes"). The daemon sent an IPv4 packet whose L4 payload
 * starts with SFC_PROBE_MAGIC, a token and a sequence through an instance;
 * seen back, the sequence is recorded in sfc_probe_replies[token] and the
 * packet is consumed: never forwarded, not a drop, not traffic.
 * Mirrors Sources/SFCCore/Pipeline/ProbeReply.swift. */
#ifndef SFC_PROBE_H
#define SFC_PROBE_H

#include "sfc_instance.h"
#include "sfc_maps.h"
#include "sfc_parse.h"
#include "sfc_state.h"

/* The IPv4 packet at offset `off` (to the end of the frame): a probe?
 * Returns 1 when it was one (recorded, st->egress = SFC_CONSUMED), else 0
 * with nothing changed. */
SFC_SUBPROG int sfc_probe_consume(struct xdp_md *ctx, struct sfc_state *st, __u32 off)
{
    __u8 b[20] SFC_SLOT;
    if (!st)
        return 0;
    __u32 len = sfc_len(ctx);
    if (off > SFC_MAX_OFFSET || off + 20 > len || sfc_load(ctx, off, b, 20))
        return 0;
    __u32 count = len - off;
    __u32 ihl = (b[0] & 0x0F) * 4;
    if (b[0] >> 4 != 4 || ihl < 20 || (sfc_be16(b + 6) & 0x3FFF) != 0)
        return 0;
    __u32 total = sfc_be16(b + 2);
    if (total > count)
        total = count;
    __u32 payload;
    if (b[9] == SFC_IPPROTO_ICMP || b[9] == SFC_IPPROTO_UDP) {
        payload = ihl + 8;
    } else if (b[9] == SFC_IPPROTO_TCP) {
        if (total < ihl + 20 || sfc_load(ctx, (off + ihl + 12) & SFC_MAX_OFFSET, b, 1))
            return 0;
        payload = ihl + (b[0] >> 4) * 4;
    } else {
        return 0;
    }
    if (payload + SFC_PROBE_PAYLOAD > total || sfc_load(ctx, (off + payload) & SFC_MAX_OFFSET, b, 12))
        return 0;
    if (sfc_be32(b) != SFC_PROBE_MAGIC)
        return 0;
    __u32 token = sfc_be32(b + 4);
    if (token >= SFC_MAX_PROBES)
        return 0;
    struct sfc_probe_reply *r = bpf_map_lookup_elem(&sfc_probe_replies, &token);
    if (!r)
        return 0;
    WRITE_ONCE(r->sequence, sfc_be32(b + 8));
    __sync_fetch_and_add(&r->count, 1);
    sfc_count_event(SFC_EVENT_PROBE_REPLY);
    st->egress = SFC_CONSUMED;
    return 1;
}

#endif

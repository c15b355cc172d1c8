/* The live trace's shared part (Swift: SFCCore TraceFilter / TraceRecord,
 * Sources/SFCXDP/TraceImage.swift encodes and decodes these structs):
 * which packets a trace follows (struct sfc_trace_filter, tested by
 * sfc_trace_match exactly as TraceFilter.matches tests them), the armed
 * state (sfc_trace_armed[0]) and one event of the sfc_trace_events ring
 * buffer. Tests/SFCXDPTests/TableLayoutTests checks every layout against
 * the BPF object's BTF; TraceFilterTests runs the differential corpus
 * through both matchers. No field is a pointer or has implicit padding. */
#ifndef SFC_TRACE_H
#define SFC_TRACE_H

#include <linux/types.h>

#define SFC_TRACE_BYTES 256           /* frame bytes an event keeps (TraceRecord.frameBytes) */
#define SFC_TRACE_RING_BYTES (1 << 20) /* sfc_trace_events: a power of 2, a multiple of the page size */

/* struct sfc_trace_filter.fields: which fields take part (TraceFilter's optionals). */
#define SFC_TRACE_F_SOURCE 0x001
#define SFC_TRACE_F_DESTINATION 0x002
#define SFC_TRACE_F_PROTO 0x004
#define SFC_TRACE_F_SOURCE_PORT 0x008
#define SFC_TRACE_F_DESTINATION_PORT 0x010
#define SFC_TRACE_F_INGRESS 0x020
#define SFC_TRACE_F_SPI 0x040
#define SFC_TRACE_F_SI 0x080
#define SFC_TRACE_F_SEGMENT 0x100
#define SFC_TRACE_F_SOURCE_V6 0x200   /* source is an IPv6 prefix (else IPv4) */
#define SFC_TRACE_F_DESTINATION_V6 0x400

struct sfc_trace_filter {
    __u32 fields;                     /* SFC_TRACE_F_* */
    __u32 ingress;                    /* port index */
    __u32 spi;                        /* host order, 24 bits */
    __u8 si;
    __u8 proto;
    __u16 pad;
    __u16 source_port;                /* host order */
    __u16 destination_port;
    /* Prefixes as address and mask (the prefix length's bits set), so the
     * test is straight-line code: no per-bit loop for the verifier to walk. */
    __u8 source[16];                  /* network order; IPv4 in the first 4 bytes */
    __u8 source_mask[16];
    __u8 destination[16];
    __u8 destination_mask[16];
    __u8 segment[16];                 /* SRv6: the outer IPv6 destination */
};

/* sfc_trace_armed[0]. Off when remaining <= 0: then the one read of this
 * entry is all a packet pays. Each packet that matches takes one
 * (__sync_fetch_and_add), so at most `remaining` events are written. */
struct sfc_trace_arm {
    __s64 remaining;
    struct sfc_trace_filter filter;
    __u32 pad;
};

/* One traced packet, as the program saw it from arrival to verdict. */
struct sfc_trace_event {
    __u32 ingress;                    /* port index */
    __u32 ingress_length;             /* the arriving frame's full length */
    __u32 action;                     /* the XDP action returned */
    __u32 reason;                     /* enum sfc_drop_reason, 0 when forwarded */
    __u32 egress;                     /* port index, SFC_NONE unless forwarded */
    __u32 egress_length;              /* the leaving frame's full length (0 when dropped) */
    __u32 chain;                      /* indices in the generation's tables, SFC_NONE when unknown */
    __u32 function;
    __u32 instance;                   /* within its function */
    __u32 slot;                       /* generation slot (sfc_active) */
    __u8 ingress_bytes[SFC_TRACE_BYTES]; /* the first min(ingress_length, 256) are the frame's */
    __u8 egress_bytes[SFC_TRACE_BYTES];  /* the first min(egress_length, 256) */
};

/* Big-endian reads of the first `len` bytes at `b` (len <= SFC_TRACE_BYTES):
 * -1 when the field is not all there (TraceFilter's nil). */
static inline int sfc_trace_u8(const __u8 *b, __u32 len, __u32 o, __u32 *v)
{
    if (o >= len || o >= SFC_TRACE_BYTES)
        return -1;
    *v = b[o];
    return 0;
}

static inline int sfc_trace_u16(const __u8 *b, __u32 len, __u32 o, __u32 *v)
{
    if (o + 2 > len || o > SFC_TRACE_BYTES - 2)
        return -1;
    *v = (__u32)b[o] << 8 | b[o + 1];
    return 0;
}

/* Are the `n` bytes at b + o (n is 4 or 16, all there) `want` under `mask`? */
static inline int sfc_trace_prefix(const __u8 *want, const __u8 *mask, const __u8 *b, __u32 o, __u32 n)
{
    __u8 diff = 0;
    if (o > SFC_TRACE_BYTES - 16)
        return 0;
#pragma unroll
    for (int i = 0; i < 16; i++)
        if ((__u32)i < n)
            diff |= (b[o + i] ^ want[i]) & mask[i];
    return diff == 0;
}

/* Does the frame whose first `len` bytes are at `b` (len <= SFC_TRACE_BYTES;
 * every field tested lies in the first 82), as it arrived on port
 * `ingress`, match `f`? TraceFilter.matches, line for line: the ingress
 * port; Ethernet with one optional 802.1Q tag; spi/si select NSH over
 * Ethernet (RFC 8300 s2.3: SPI in bits 0..23, SI in 24..31 of word 2);
 * else IPv4 (no da) or IPv6 addresses, the protocol, and TCP/UDP ports
 * behind IPv4's IHL or IPv6's fixed header. */
static inline int sfc_trace_match(const struct sfc_trace_filter *f, const __u8 *b, __u32 len, __u32 ingress)
{
    __u32 fields = f->fields, type, l3 = 14, next, l4, v;
    if (len > SFC_TRACE_BYTES)
        len = SFC_TRACE_BYTES;
    if ((fields & SFC_TRACE_F_INGRESS) && f->ingress != ingress)
        return 0;
    if (sfc_trace_u16(b, len, 12, &type))
        return 0;
    if (type == 0x8100) {
        if (sfc_trace_u16(b, len, 16, &type))
            return 0;
        l3 = 18;
    }
    if (fields & (SFC_TRACE_F_SPI | SFC_TRACE_F_SI)) {
        __u32 hi, lo;
        if (type != 0x894F || sfc_trace_u16(b, len, l3 + 4, &hi) || sfc_trace_u16(b, len, l3 + 6, &lo))
            return 0;
        if ((fields & SFC_TRACE_F_SPI) && (hi << 8 | lo >> 8) != f->spi)
            return 0;
        if ((fields & SFC_TRACE_F_SI) && (lo & 0xFF) != f->si)
            return 0;
        return 1;
    }
    if (type == 0x0800) {
        if ((fields & SFC_TRACE_F_SEGMENT) || sfc_trace_u8(b, len, l3, &v) || v >> 4 != 4 || l3 + 20 > len)
            return 0;
        if ((fields & SFC_TRACE_F_SOURCE) &&
            ((fields & SFC_TRACE_F_SOURCE_V6) || !sfc_trace_prefix(f->source, f->source_mask, b, l3 + 12, 4)))
            return 0;
        if ((fields & SFC_TRACE_F_DESTINATION) &&
            ((fields & SFC_TRACE_F_DESTINATION_V6) || !sfc_trace_prefix(f->destination, f->destination_mask, b, l3 + 16, 4)))
            return 0;
        sfc_trace_u8(b, len, l3 + 9, &next);
        l4 = l3 + (v & 0x0F) * 4;
    } else if (type == 0x86DD) {
        if (l3 + 40 > len)
            return 0;
        __u8 all[16];
        __builtin_memset(all, 0xFF, sizeof(all));
        if ((fields & SFC_TRACE_F_SEGMENT) && !sfc_trace_prefix(f->segment, all, b, l3 + 24, 16))
            return 0;
        if ((fields & SFC_TRACE_F_SOURCE) &&
            (!(fields & SFC_TRACE_F_SOURCE_V6) || !sfc_trace_prefix(f->source, f->source_mask, b, l3 + 8, 16)))
            return 0;
        if ((fields & SFC_TRACE_F_DESTINATION) &&
            (!(fields & SFC_TRACE_F_DESTINATION_V6) || !sfc_trace_prefix(f->destination, f->destination_mask, b, l3 + 24, 16)))
            return 0;
        sfc_trace_u8(b, len, l3 + 6, &next);
        l4 = l3 + 40;
    } else {
        return 0;
    }
    if ((fields & SFC_TRACE_F_PROTO) && next != f->proto)
        return 0;
    if (fields & (SFC_TRACE_F_SOURCE_PORT | SFC_TRACE_F_DESTINATION_PORT)) {
        __u32 sp, dp;
        if ((next != 6 && next != 17) || sfc_trace_u16(b, len, l4, &sp) || sfc_trace_u16(b, len, l4 + 2, &dp))
            return 0;
        if ((fields & SFC_TRACE_F_SOURCE_PORT) && sp != f->source_port)
            return 0;
        if ((fields & SFC_TRACE_F_DESTINATION_PORT) && dp != f->destination_port)
            return 0;
    }
    return 1;
}

#endif

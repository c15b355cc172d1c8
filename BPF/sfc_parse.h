/* sfc XDP dataplane: bounds-checked header access, head/tail adjustment,
 * the IPv6 extension-header walk, the flow hash of an IP packet and the
 * NSH header checks. Mirrors Sources/SFCCore/Headers and Tables/FlowHash.
 *
 * Fixed-offset reads at the packet start use direct packet access after a
 * data/data_end check; reads and writes of a fixed size at offsets that
 * depend on the packet (IHL, extension headers, segment lists) go through
 * sfc_load / sfc_store: direct packet access when the bytes lie in the
 * linear part (always, for a program without XDP frags), else
 * bpf_xdp_load_bytes / bpf_xdp_store_bytes, which check bounds themselves.
 * Variable-size copies use the helpers. */
#ifndef SFC_PARSE_H
#define SFC_PARSE_H

#include <linux/if_ether.h>
#include "sfc_state.h"
#include "sfc_flowhash.h"

#define SFC_ETH_P_IPV4 0x0800
#define SFC_ETH_P_IPV6 0x86DD
#define SFC_ETH_P_VLAN 0x8100
#define SFC_ETH_P_QINQ 0x88A8
#define SFC_ETH_P_NSH 0x894F

#define SFC_IPPROTO_ICMP 1
#define SFC_IPPROTO_TCP 6
#define SFC_IPPROTO_UDP 17
#define SFC_NH_HOPOPT 0
#define SFC_NH_IPV4 4
#define SFC_NH_IPV6 41
#define SFC_NH_ROUTING 43
#define SFC_NH_FRAGMENT 44
#define SFC_NH_AUTH 51
#define SFC_NH_DSTOPTS 60
#define SFC_NH_MOBILITY 135

#define SFC_NSH_NP_IPV4 1
#define SFC_NSH_NP_IPV6 2
#define SFC_NSH_NP_ETHERNET 3

#define SFC_VXLAN_GPE_PORT 4790
/* Packet offsets the program handles: jumbo frames (9000-byte MTU) fit,
 * e.g. under generic XDP; native XDP frames are at most a page. */
#define SFC_MAX_OFFSET 16383

/* The packet's first `need` bytes as a direct pointer the verifier has seen
 * bounds-checked, or NULL with the packet dropped `truncated`. */
static __always_inline __u8 *sfc_head(struct xdp_md *ctx, struct sfc_state *st, __u32 need)
{
    __u8 *data = (void *)(long)ctx->data;
    __u8 *end = (void *)(long)ctx->data_end;
    if (data + need > end) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return NULL;
    }
    return data;
}

/* Copy the n bytes (a constant) at packet offset `off` to buf / from buf:
 * the same bytes and the same result as bpf_xdp_load_bytes /
 * bpf_xdp_store_bytes, without a helper call when they are in the linear
 * part. */
static __always_inline long sfc_load(struct xdp_md *ctx, __u32 off, void *buf, __u32 n)
{
    if (off <= SFC_MAX_OFFSET) {
        __u8 *p = (__u8 *)(long)ctx->data + (off & SFC_MAX_OFFSET);
        if (p + n <= (__u8 *)(long)ctx->data_end) {
            __builtin_memcpy(buf, p, n);
            return 0;
        }
    }
    return bpf_xdp_load_bytes(ctx, off, buf, n);
}

static __always_inline long sfc_store(struct xdp_md *ctx, __u32 off, const void *buf, __u32 n)
{
    if (off <= SFC_MAX_OFFSET) {
        __u8 *p = (__u8 *)(long)ctx->data + (off & SFC_MAX_OFFSET);
        if (p + n <= (__u8 *)(long)ctx->data_end) {
            __builtin_memcpy(p, buf, n);
            return 0;
        }
    }
    return bpf_xdp_store_bytes(ctx, off, (void *)buf, n);
}

/* The packet's length. Live, a program without XDP frags (SEC("xdp")) only
 * sees linear frames, but BPF_PROG_RUN makes frags of an input longer than
 * its linear part (about 3.5 KB), which no pop of ours shrinks below
 * SFC_LINEAR_EXACT. So a shorter linear part is the whole frame, and
 * data_end - data spares the bpf_xdp_get_buff_len call. Written out in
 * 64-bit arithmetic, because the verifier refuses the 32-bit pointer
 * arithmetic clang makes of it; the difference of two packet pointers is a
 * scalar for a privileged loader, as the helper's result was. */
#define SFC_LINEAR_EXACT 512
static __always_inline __u32 sfc_len(struct xdp_md *ctx)
{
    __u64 len;
    asm volatile("%0 = %1; %0 -= %2"
                 : "=&r"(len)
                 : "r"((void *)(long)ctx->data_end), "r"((void *)(long)ctx->data));
    if (len < SFC_LINEAR_EXACT)
        return (__u32)len;
    return (__u32)bpf_xdp_get_buff_len(ctx);
}

/* Is the packet at offset `off` (to the end of the frame) a whole IPv4
 * (`v4`) or IPv6 header whose length fields fit? Swift
 * Pipeline.innerIsWellFormed. */
static __always_inline int sfc_inner_ok(struct xdp_md *ctx, __u32 off, int v4)
{
    __u8 b[8] SFC_SLOT;
    __u32 len = sfc_len(ctx);
    if (off > SFC_MAX_OFFSET || off + (v4 ? 20 : 40) > len || sfc_load(ctx, off, b, 6))
        return 0;
    __u32 count = len - off;
    if (v4) {
        __u32 ihl = (b[0] & 0x0F) * 4, total = (__u32)b[2] << 8 | b[3];
        return b[0] >> 4 == 4 && ihl >= 20 && total >= ihl && total <= count;
    }
    return b[0] >> 4 == 6 && 40 + ((__u32)b[4] << 8 | b[5]) <= count;
}


/* Remove n bytes at the front (Swift PacketBuffer.adjust). */
static __always_inline int sfc_pop(struct xdp_md *ctx, __u32 n)
{
    if (n == 0)
        return 0;
    return bpf_xdp_adjust_head(ctx, (int)n);
}

/* Swift PacketBuffer.makeHeadroom: when the headroom is too small for a
 * push, move the packet k bytes towards the end of its buffer (grow the
 * tail, copy back to front in 32-byte chunks, drop the k stale bytes at the
 * front). The bytes sent are the same; only a rare long push pays the copy.
 * On failure the packet is dropped (no-headroom), so a half-done move does
 * not matter. */
#define SFC_MOVE_CHUNK 32
SFC_SUBPROG int sfc_make_headroom(struct xdp_md *ctx, __u32 k)
{
    __u8 buf[SFC_MOVE_CHUNK] __attribute__((aligned(8)));
    __u32 len = (__u32)bpf_xdp_get_buff_len(ctx);
    if (k == 0 || k > 1024 || len > SFC_MAX_OFFSET)
        return -1;
    if (bpf_xdp_adjust_tail(ctx, (int)k))
        return -1;
    /* Whole chunks from the end, then the rest at the front. */
    __u32 chunks = len / SFC_MOVE_CHUNK, rest = len % SFC_MOVE_CHUNK;
    for (__u32 i = 0; i < (SFC_MAX_OFFSET + 1) / SFC_MOVE_CHUNK; i++) {
        if (i >= chunks)
            break;
        __u32 off = (len - SFC_MOVE_CHUNK * (i + 1)) & SFC_MAX_OFFSET;
        if (bpf_xdp_load_bytes(ctx, off, buf, SFC_MOVE_CHUNK) ||
            bpf_xdp_store_bytes(ctx, off + k, buf, SFC_MOVE_CHUNK))
            return -1;
    }
    if (rest) {
        asm volatile("" : "+r"(rest));
        if (rest > SFC_MOVE_CHUNK)
            return -1;
        if (bpf_xdp_load_bytes(ctx, 0, buf, rest) || bpf_xdp_store_bytes(ctx, k, buf, rest))
            return -1;
    }
    return bpf_xdp_adjust_head(ctx, (int)k);
}

/* Grow the packet at the front by n bytes (Swift PacketBuffer.prepend),
 * making headroom first when there is not enough (plus room for a tagged
 * Ethernet header, as the reference does). */
static __always_inline int sfc_push(struct xdp_md *ctx, __u32 n)
{
    if (n == 0)
        return 0;
    if (bpf_xdp_adjust_head(ctx, -(int)n) == 0)
        return 0;
    if (sfc_make_headroom(ctx, n + 18))
        return -1;
    return bpf_xdp_adjust_head(ctx, -(int)n);
}

/* Remove n bytes at the end (Swift PacketBuffer.trim). */
static __always_inline int sfc_trim(struct xdp_md *ctx, __u32 n)
{
    if (n == 0)
        return 0;
    return bpf_xdp_adjust_tail(ctx, -(int)n);
}

static __always_inline __u16 sfc_be16(const __u8 *p)
{
    return (__u16)p[0] << 8 | p[1];
}

static __always_inline __u32 sfc_be32(const __u8 *p)
{
    return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* Swift Pipeline.trimToIPLength: drop link padding past the IP packet's
 * own length (the packet starts with its IP header). */
SFC_SUBPROG int sfc_trim_to_ip(struct xdp_md *ctx)
{
    __u8 h[8] SFC_SLOT;
    __u32 len = sfc_len(ctx);
    if (len < 1 || len > SFC_MAX_OFFSET + 1)
        return 0;
    if (sfc_load(ctx, 0, h, 1))
        return 0;
    if (h[0] >> 4 == 4 && len >= 20) {
        if (sfc_load(ctx, 0, h, 4))
            return 0;
        __u32 total = sfc_be16(h + 2);
        if (total >= 20 && total < len)
            return sfc_trim(ctx, len - total);
    } else if (h[0] >> 4 == 6 && len >= 40) {
        if (sfc_load(ctx, 0, h, 6))
            return 0;
        __u32 total = 40 + (__u32)sfc_be16(h + 4);
        if (total < len)
            return sfc_trim(ctx, len - total);
    }
    return 0;
}

/* Where the extension header chain of one IPv6 packet leads (Swift
 * IPv6Chain). Offsets are from the IPv6 header. */
struct sfc_chain6 {
    __u32 upper_offset;
    __s32 srh_offset;                 /* first routing header of type 4, or -1 */
    __s32 other_routing_offset;       /* first routing header of another type, or -1 */
    __u8 upper_proto;
    __u8 later_fragment;
    __u8 pad[2];
};

/* RFC 8200 s4 / RFC 7045: the headers with the common length format. */
static __always_inline int sfc_is_extension(__u32 nh)
{
    return nh == SFC_NH_HOPOPT || nh == SFC_NH_ROUTING || nh == SFC_NH_FRAGMENT ||
           nh == SFC_NH_DSTOPTS || nh == SFC_NH_AUTH || nh == SFC_NH_MOBILITY;
}

/* Swift IPv6Header.walkExtensions for the IPv6 header at packet offset
 * `base`: `end` = min(bytes available, 40 + payload length), relative to
 * base; `nh` = the header's Next Header. Returns -1 (Swift nil) when a
 * header runs past `end` or the chain is longer than 16 headers. */
SFC_SUBPROG int sfc_walk6(struct xdp_md *ctx, __u32 base, __u32 end, __u32 nh, struct sfc_chain6 *out)
{
    __u32 offset = 40;
    __u32 srh = 0, other = 0, later = 0;
    __u8 h[8] SFC_SLOT;

    /* The offsets found go straight to *out; only flags stay in registers,
     * so the verifier need not track every offset precisely (it would then
     * explore each combination of header lengths separately). */
    if (!out)
        return -1;
    out->srh_offset = -1;
    out->other_routing_offset = -1;
    out->later_fragment = 0;
    if (base > SFC_MAX_OFFSET || end > SFC_MAX_OFFSET)
        return -1;
    base &= SFC_MAX_OFFSET;           /* bounds the verifier can see */
    end &= SFC_MAX_OFFSET;
    for (int steps = 1; steps <= 17; steps++) {
        if (!sfc_is_extension(nh))
            break;
        if (steps > 16 || offset + 8 > end)
            return -1;
        if (bpf_xdp_load_bytes(ctx, (base + offset) & SFC_MAX_OFFSET, h, 4))
            return -1;
        __u32 length;
        if (nh == SFC_NH_FRAGMENT) {
            length = 8;
            /* RFC 8200 s4.5: a non-zero Fragment Offset is a later fragment. */
            later = (sfc_be16(h + 2) & 0xFFF8) != 0;
        } else if (nh == SFC_NH_AUTH) {
            length = ((__u32)h[1] + 2) * 4;   /* RFC 4302 s2.2 */
        } else {
            length = ((__u32)h[1] + 1) * 8;
        }
        if (offset + length > end)
            return -1;
        if (nh == SFC_NH_ROUTING) {
            if (h[2] == 4) {
                if (!srh)
                    out->srh_offset = (__s32)offset;
                srh = 1;
            } else {
                if (!other)
                    out->other_routing_offset = (__s32)offset;
                other = 1;
            }
        }
        nh = h[0];
        offset = (offset + length) & SFC_MAX_OFFSET;
        if (later)
            break;
    }
    out->later_fragment = later;
    out->upper_offset = offset;
    out->upper_proto = (__u8)nh;
    return 0;
}

/* The node's flow hash seed, in .rodata: the loader writes it before the
 * program loads (XDPDataplane, from the chain file's flow-hash-key), and
 * the verifier then treats it as the constant it is for the program's life. */
const volatile __u32 sfc_flow_seed = SFC_FLOWHASH_SEED;

/* Swift FlowHash.ofIPPacket over the IP packet at offset `base`: the
 * symmetric 5-tuple hash of docs/PIPELINE.md; 0 for anything unparsable. */
SFC_SUBPROG __u32 sfc_hash_ip(struct xdp_md *ctx, __u32 base)
{
    __u8 ip[40] SFC_SLOT;
    __u8 ports[8] SFC_SLOT;
    struct sfc_flow f = {};
    __u32 len = sfc_len(ctx);

    if (base >= len || base > SFC_MAX_OFFSET || len > SFC_MAX_OFFSET + 1)
        return 0;
    __u32 count = len - base;
    if (sfc_load(ctx, base, ip, 1))
        return 0;
    if (ip[0] >> 4 == 4) {
        if (count < 20 || sfc_load(ctx, base, ip, 20))
            return 0;
        __u32 hl = (ip[0] & 0x0F) * 4;
        if (hl < 20)
            return 0;
        f.proto = ip[9];
        /* Ports only for unfragmented TCP/UDP (neither MF nor an offset). */
        if ((sfc_be16(ip + 6) & 0x3FFF) == 0 && (f.proto == SFC_IPPROTO_TCP || f.proto == SFC_IPPROTO_UDP) &&
            hl + 4 <= count) {
            if (sfc_load(ctx, (base + hl) & SFC_MAX_OFFSET, ports, 4) == 0) {
                f.pa = sfc_be16(ports);
                f.pb = sfc_be16(ports + 2);
            }
        }
        f.a[0] = sfc_be32(ip + 12);
        f.b[0] = sfc_be32(ip + 16);
        f.v6 = 0;
        return sfc_flow_hash(&f, sfc_flow_seed);
    }
    if (ip[0] >> 4 == 6) {
        if (count < 40 || sfc_load(ctx, base, ip, 40))
            return 0;
        struct sfc_chain6 chain = {};
        __u32 end = 40 + (__u32)sfc_be16(ip + 4);
        if (end > count)
            end = count;
        f.proto = ip[6];
        if (sfc_walk6(ctx, base, end, ip[6], &chain) == 0 && !chain.later_fragment) {
            f.proto = chain.upper_proto;
            if ((f.proto == SFC_IPPROTO_TCP || f.proto == SFC_IPPROTO_UDP) && chain.upper_offset + 4 <= count &&
                sfc_load(ctx, (base + chain.upper_offset) & SFC_MAX_OFFSET, ports, 4) == 0) {
                f.pa = sfc_be16(ports);
                f.pb = sfc_be16(ports + 2);
            }
        }
#pragma unroll
        for (int i = 0; i < 4; i++) {
            f.a[i] = sfc_be32(ip + 8 + 4 * i);
            f.b[i] = sfc_be32(ip + 24 + 4 * i);
        }
        f.v6 = 1;
        return sfc_flow_hash(&f, sfc_flow_seed);
    }
    return 0;
}

/* RFC 8300 s2.2, s2.4, s2.5 (Swift NSHHeader.problem, then the O bit):
 * version 0, MD type 1 with Length 6 or MD type 2 with Length >= 2 whose
 * TLVs fill it exactly, the whole header present, no OAM. `base` is the
 * NSH's packet offset. Returns the drop reason or 0. */
SFC_SUBPROG __u32 sfc_nsh_problem(struct xdp_md *ctx, __u32 base)
{
    __u8 h[8] SFC_SLOT;
    __u32 len = sfc_len(ctx);

    if (base > 0x7F || len < base + 8)
        return SFC_DROP_TRUNCATED;
    if (sfc_load(ctx, base, h, 4))
        return SFC_DROP_TRUNCATED;
    __u32 available = len - base;
    __u32 words = h[1] & 0x3F;
    __u32 md = h[2] & 0x0F;
    if (h[0] >> 6 != 0)
        return SFC_DROP_NSH_BAD_VERSION;
    if (md == 1) {
        if (words != 6)
            return SFC_DROP_NSH_BAD_LENGTH;
    } else if (md == 2) {
        if (words < 2)
            return SFC_DROP_NSH_BAD_LENGTH;
    } else {
        return SFC_DROP_NSH_BAD_MD_TYPE;
    }
    __u32 end = words * 4;
    if (end > available)
        return SFC_DROP_TRUNCATED;
    if (md == 2) {
        /* Every MD type 2 context header (class 16, type 8, length 7 bits,
         * value padded to 4 bytes) lies inside Length (s2.5.1). */
        __u32 offset = 8;
        for (int i = 0; i < 64; i++) {
            if (offset >= end)
                break;
            if (offset + 4 > end)
                return SFC_DROP_NSH_BAD_LENGTH;
            if (sfc_load(ctx, (base + offset) & 0x1FF, h, 4))
                return SFC_DROP_NSH_BAD_LENGTH;
            offset += 4 + ((h[3] & 0x7F) + 3) / 4 * 4;
        }
        if (offset != end)
            return SFC_DROP_NSH_BAD_LENGTH;
    }
    return 0;
}

#endif

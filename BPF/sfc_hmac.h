/* sfc XDP dataplane: SRv6 HMAC (RFC 8754 s2.1.2). SHA-256 (FIPS 180-4) and
 * HMAC-SHA256 (RFC 2104) written out in BPF (the kernel offers XDP no hash
 * helper), the headend's signature and the check where traffic enters the
 * SR domain (a require-hmac port). Mirrors Sources/SFCCore/Tools/SHA256.swift
 * and Sources/SFCCore/Pipeline/Behaviors/SRHHMAC.swift.
 *
 * The text, the message schedule and the state live in a per-CPU scratch
 * map, not on the stack: the program's combined stack has no room for a
 * 2 KB text. The key's inner and outer pads were absorbed by the loader
 * (struct sfc_hmac_key), so a MAC costs the text's blocks plus one. */
#ifndef SFC_HMAC_H
#define SFC_HMAC_H

#include "sfc_maps.h"
#include "sfc_parse.h"
#include "sfc_sha256.h"
#include "sfc_state.h"

#define SFC_SHA256_BLOCK 64
/* The longest text and its SHA-256 padding (0x80, zeros, the 64-bit bit
 * length) in whole 64-byte blocks. */
#define SFC_HMAC_BUFFER ((SFC_HMAC_MAX_TEXT + 9 + 63) / SFC_SHA256_BLOCK * SFC_SHA256_BLOCK)

struct sfc_hmac_scratch {
    __u8 text[SFC_HMAC_BUFFER];
    __u8 tlv[SFC_HMAC_TLV_SIZE];      /* the TLV checked, or the MAC written */
    __u8 seg[16];                     /* the segment the DA must be */
    __u32 w[64];                      /* the message schedule */
    __u32 h[8];                       /* the running state, then the MAC */
};

/* Per CPU scratch, one packet at a time. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sfc_hmac_scratch);
} sfc_hmac_scratch SEC(".maps");

/* FIPS 180-4 s4.2.2 (include/sfc_sha256.h). */
static const __u32 sfc_sha256_k[64] = SFC_SHA256_K;

static __always_inline __u32 sfc_rotr(__u32 x, __u32 n)
{
    return x >> n | x << (32 - n);
}

/* Absorbs the 64-byte block at text[off] of the scratch into its h. */
SFC_SUBPROG int sfc_sha256_block(__u32 off)
{
    __u32 zero = 0;
    struct sfc_hmac_scratch *s = bpf_map_lookup_elem(&sfc_hmac_scratch, &zero);
    if (!s || off > SFC_HMAC_BUFFER - 64)
        return -1;
    const __u8 *b = s->text + off;
    for (__u32 i = 0; i < 16; i++)
        s->w[i] = (__u32)b[4 * i] << 24 | (__u32)b[4 * i + 1] << 16 | (__u32)b[4 * i + 2] << 8 | b[4 * i + 3];
    for (__u32 i = 16; i < 64; i++) {
        __u32 x = s->w[i - 15], y = s->w[i - 2];
        __u32 s0 = sfc_rotr(x, 7) ^ sfc_rotr(x, 18) ^ (x >> 3);
        __u32 s1 = sfc_rotr(y, 17) ^ sfc_rotr(y, 19) ^ (y >> 10);
        s->w[i] = s->w[i - 16] + s0 + s->w[i - 7] + s1;
    }
    __u32 a = s->h[0], c1 = s->h[1], c2 = s->h[2], d = s->h[3];
    __u32 e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (__u32 i = 0; i < 64; i++) {
        __u32 t1 = h + (sfc_rotr(e, 6) ^ sfc_rotr(e, 11) ^ sfc_rotr(e, 25)) + ((e & f) ^ (~e & g)) + sfc_sha256_k[i] +
                   s->w[i];
        __u32 t2 = (sfc_rotr(a, 2) ^ sfc_rotr(a, 13) ^ sfc_rotr(a, 22)) + ((a & c1) ^ (a & c2) ^ (c1 & c2));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c2;
        c2 = c1;
        c1 = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += c1;
    s->h[2] += c2;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
    return 0;
}

/* HMAC-SHA256 under `key` of the `len` bytes at s->text: the MAC into s->h
 * (host-order words); s->text is used up. Returns 0, or -1. */
static __always_inline int sfc_hmac_compute(struct sfc_hmac_scratch *s, const struct sfc_hmac_key *key, __u32 len)
{
    if (len > SFC_HMAC_MAX_TEXT)
        return -1;
    /* The inner hash: the text after the inner pad's block, padded. The
     * barriers keep clang from dropping bounds it can prove but the
     * verifier cannot follow (through the shifts). */
    __u32 blocks = (len + 9 + 63) >> 6;
    __u32 tail = (blocks << 6) - 8;   /* where the bit length goes */
    asm volatile("" : "+r"(tail));
    if (tail > SFC_HMAC_BUFFER - 8 || tail < len + 1)
        return -1;
    s->text[len] = 0x80;
    for (__u32 k = 0; k < 64; k++) {
        __u32 p = len + 1 + k;
        asm volatile("" : "+r"(p));
        if (p >= tail || p >= SFC_HMAC_BUFFER)
            break;
        s->text[p] = 0;
    }
    __u64 bits = (__u64)(SFC_SHA256_BLOCK + len) * 8;
    for (__u32 j = 0; j < 8; j++)
        s->text[tail + j] = (__u8)(bits >> (8 * (7 - j)));
    __builtin_memcpy(s->h, key->inner, 32);
    for (__u32 b = 0; b < SFC_HMAC_BUFFER / 64; b++) {
        if (b >= blocks)
            break;
        if (sfc_sha256_block(b << 6))
            return -1;
    }
    /* The outer hash: the inner digest after the outer pad's block, padded
     * to one block (64 + 32 bytes = 768 bits). */
    for (__u32 i = 0; i < 8; i++) {
        __u32 v = s->h[i];
        s->text[4 * i] = v >> 24;
        s->text[4 * i + 1] = v >> 16;
        s->text[4 * i + 2] = v >> 8;
        s->text[4 * i + 3] = v;
    }
    s->text[32] = 0x80;
    for (__u32 i = 33; i < 62; i++)
        s->text[i] = 0;
    s->text[62] = (SFC_SHA256_BLOCK + 32) * 8 >> 8;
    s->text[63] = ((SFC_SHA256_BLOCK + 32) * 8) & 0xFF;
    __builtin_memcpy(s->h, key->outer, 32);
    return sfc_sha256_block(0);
}

/* The headend's signature (RFC 8754 s2.1.2), once sfc_push_srv6 wrote
 * chain c's outer header and SRH (Hdr Ext Len and Flags saying a TLV
 * follows): the HMAC TLV after the Segment List, D set for a reduced list,
 * the MAC of the chain's key over the text. A reduced one-segment path has
 * no SRH and nothing to sign. Returns 0, or -1 with the packet dropped.
 * Swift Pipeline.signSRH. */
SFC_SUBPROG int sfc_sign_srh(struct xdp_md *ctx, struct sfc_state *st, __u32 c)
{
    __u32 zero = 0;
    if (!st)
        return -1;
    struct sfc_hmac_scratch *s = bpf_map_lookup_elem(&sfc_hmac_scratch, &zero);
    struct sfc_chain *ch = SFC_LOOKUP(sfc_chains, st->gen, &c);
    struct sfc_globals *g = SFC_LOOKUP(sfc_globals, st->gen, &zero);
    if (!s || !ch || !g) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return -1;
    }
    /* The outer IPv6 header starts st->skip bytes in (sfc_push_folded);
     * the list is the chain's path, less P[0] when reduced. */
    __u32 srh = (st->skip & 0x1F) + 40;
    __u32 list = (__u32)ch->hop_count + 1 - (ch->reduced ? 1 : 0);
    __u32 key_id = ch->hmac_key_id, reduced = ch->reduced;
    if (list == 0)
        return 0;
    if (list > SFC_MAX_SEGMENTS) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return -1;
    }
    struct sfc_hmac_key *key = SFC_LOOKUP(sfc_hmac_keys, st->gen, &key_id);
    if (!key) {
        sfc_drop(st, SFC_DROP_NO_ROUTE);
        return -1;
    }
    __u32 tlv = srh + 8 + 16 * list;
    s->tlv[0] = SFC_HMAC_TLV_TYPE;
    s->tlv[1] = SFC_HMAC_TLV_LENGTH;
    s->tlv[2] = reduced ? SFC_HMAC_D_FLAG : 0;
    s->tlv[3] = 0;
    s->tlv[4] = key_id >> 24;
    s->tlv[5] = key_id >> 16;
    s->tlv[6] = key_id >> 8;
    s->tlv[7] = key_id;
    /* RFC 8754 s2.1.2.1: source, Last Entry, Flags, Key ID, Segment List. */
    __builtin_memcpy(s->text, g->srv6_source, 16);
    s->text[16] = list - 1;
    s->text[17] = SFC_HMAC_SRH_FLAG;
    __builtin_memcpy(s->text + 18, s->tlv + 4, 4);
    if (bpf_xdp_load_bytes(ctx, srh + 8, s->text + 22, 16 * list) ||
        sfc_hmac_compute(s, key, 22 + 16 * list)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return -1;
    }
    for (__u32 i = 0; i < 8; i++) {
        __u32 v = s->h[i];
        s->tlv[8 + 4 * i] = v >> 24;
        s->tlv[9 + 4 * i] = v >> 16;
        s->tlv[10 + 4 * i] = v >> 8;
        s->tlv[11 + 4 * i] = v;
    }
    if (sfc_store(ctx, tlv, s->tlv, SFC_HMAC_TLV_SIZE)) {
        sfc_drop(st, SFC_DROP_TRUNCATED);
        return -1;
    }
    return 0;
}

/* RFC 8754 s2.1.2.1 where traffic enters the SR domain: the IPv6 packet at
 * packet offset l2 (its length fields checked) must carry an HMAC TLV
 * (else srv6-hmac-missing) with a key this node has, a DA that is the
 * segment Segments Left names unless D is set, and the right MAC (else
 * srv6-hmac-invalid). Returns 0, or the drop reason. Swift
 * Pipeline.hmacProblem. */
SFC_SUBPROG int sfc_hmac_problem(struct xdp_md *ctx, __u32 gen, __u32 l2)
{
    struct sfc_chain6 chain6 = {};
    __u8 h[8] SFC_SLOT;
    __u32 zero = 0;
    struct sfc_hmac_scratch *s = bpf_map_lookup_elem(&sfc_hmac_scratch, &zero);
    if (!s || l2 > 64)
        return SFC_DROP_SRV6_HMAC_MISSING;
    if (sfc_load(ctx, l2, h, 8))
        return SFC_DROP_SRV6_HMAC_MISSING;
    if (sfc_walk6(ctx, l2, 40 + (__u32)sfc_be16(h + 4), h[6], &chain6) || chain6.srh_offset < 0 ||
        chain6.srh_offset > SFC_MAX_OFFSET)
        return SFC_DROP_SRV6_HMAC_MISSING;
    __u32 srh = l2 + (__u32)chain6.srh_offset;
    if (sfc_load(ctx, srh, h, 8))
        return SFC_DROP_SRV6_HMAC_MISSING;
    __u32 size = 8 * ((__u32)h[1] + 1), segments_left = h[3], last = h[4], flags = h[5];
    __u32 at = 8 + 16 * (last + 1);
    if (at + SFC_HMAC_TLV_SIZE > size || bpf_xdp_load_bytes(ctx, srh + at, s->tlv, SFC_HMAC_TLV_SIZE) ||
        s->tlv[0] != SFC_HMAC_TLV_TYPE || s->tlv[1] != SFC_HMAC_TLV_LENGTH)
        return SFC_DROP_SRV6_HMAC_MISSING;
    __u32 key_id = sfc_be32(s->tlv + 4);
    struct sfc_hmac_key *key = SFC_LOOKUP(sfc_hmac_keys, gen, &key_id);
    if (!key)
        return SFC_DROP_SRV6_HMAC_INVALID;
    /* D clear: the DA must be the segment Segments Left names, when it names one. */
    if (!(s->tlv[2] & SFC_HMAC_D_FLAG) && segments_left <= last) {
        if (bpf_xdp_load_bytes(ctx, srh + 8 + 16 * segments_left, s->seg, 16) ||
            bpf_xdp_load_bytes(ctx, l2 + 24, s->text, 16) || __builtin_memcmp(s->seg, s->text, 16) != 0)
            return SFC_DROP_SRV6_HMAC_INVALID;
    }
    if (bpf_xdp_load_bytes(ctx, l2 + 8, s->text, 16))
        return SFC_DROP_SRV6_HMAC_MISSING;
    s->text[16] = last;
    s->text[17] = flags;
    __builtin_memcpy(s->text + 18, s->tlv + 4, 4);
    if (bpf_xdp_load_bytes(ctx, srh + 8, s->text + 22, 16 * (last + 1)) ||
        sfc_hmac_compute(s, key, 22 + 16 * (last + 1)))
        return SFC_DROP_SRV6_HMAC_INVALID;
    __u32 difference = 0;
    for (__u32 i = 0; i < 8; i++)
        difference |= sfc_be32(s->tlv + 8 + 4 * i) ^ s->h[i];
    return difference ? SFC_DROP_SRV6_HMAC_INVALID : 0;
}

#endif

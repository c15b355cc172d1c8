/* A reference point for the live XDP benchmark (scripts/bench-xdp.sh), not
 * a forwarder: the least an XDP program can do for the benchmark's SRv6
 * H.Encaps. No parsing beyond a length check, no classification, no table:
 * it pushes one constant outer Ethernet + IPv6 + SRH (3 SIDs, the same
 * bytes as the kernel's and our encapsulation) in front of the IPv4 packet,
 * fixes the payload length and redirects to the interface the script
 * compiled in (-DREDIRECT_IFINDEX=n, fwd's f1). Its rate on the same
 * topology says how much of the measured path is the generator, veth and
 * the sink rather than the forwarding program: the ceiling any XDP
 * H.Encaps could reach there. Built by the script (clang -target bpf). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef REDIRECT_IFINDEX
#error "build with -DREDIRECT_IFINDEX=<ifindex of the output interface>"
#endif

#define OUTER 110 /* Ethernet 14 + IPv6 40 + SRH 8 + 3 x 16 */

SEC("xdp")
int xdp_encap_ceiling(struct xdp_md *ctx)
{
    /* Ethernet: the sink's MAC, fwd f1's MAC, IPv6. */
    static const unsigned char outer[OUTER] = {
        0x02, 0x00, 0x00, 0x00, 0x30, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xdd,
        /* IPv6: version 6, payload length (set below), next header 43 (routing), hop limit 64 */
        0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 43, 64,
        0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* 2001:db8:100::1 */
        0xfc, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf1,       /* fc00:2::f1 */
        /* SRH: next header 4 (IPv4), length 6, type 4, Segments Left 2, Last Entry 2 */
        4, 6, 4, 2, 2, 0, 0, 0,
        0xfc, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0d,       /* [0] fc00:2::d */
        0xfc, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf2,       /* [1] fc00:2::f2 */
        0xfc, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf1,       /* [2] fc00:2::f1 */
    };
    if (bpf_xdp_adjust_head(ctx, -(OUTER - 14)))
        return XDP_DROP;
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    if (data + OUTER + 20 > end)
        return XDP_DROP;
    __builtin_memcpy(data, outer, OUTER);
    __u16 payload = bpf_htons((__u16)(end - data - 54));
    __builtin_memcpy(data + 18, &payload, 2);
    return bpf_redirect(REDIRECT_IFINDEX, 0);
}

char _license[] SEC("license") = "GPL";

/* The packet sink of the live XDP benchmark (scripts/bench-xdp.sh): attached
 * to the sink's veth, it counts what arrives and drops it, so the sink
 * costs the same few instructions whichever forwarder (our XDP program or
 * the kernel's seg6 encap route) is measured, and no kernel stack runs
 * behind it. Having an XDP program also gives the veth the NAPI context a
 * redirect into it needs.
 *
 * sink_counts[0]: IPv6 + SRH (routing type 4, Segments Left 2, Last Entry 2,
 *                 next header IPv4): an H.Encaps with 3 SIDs of an IPv4 packet
 * sink_counts[1]: anything else
 *
 * Built by the benchmark script itself (clang -target bpf), not by `make bpf`:
 * it is part of the measuring instrument, not of the forwarder. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} sink_counts SEC(".maps");

SEC("xdp")
int xdp_sink(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    __u32 key = 1;

    if ((void *)(eth + 1) <= end && eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = (void *)(eth + 1);
        __u8 *srh = (void *)(ip6 + 1);
        /* SRH: next header, hdr ext len, routing type, segments left, last entry */
        if ((void *)(srh + 8) <= end && ip6->nexthdr == 43 && srh[0] == 4 && srh[2] == 4 &&
            srh[3] == 2 && srh[4] == 2)
            key = 0;
    }
    __u64 *count = bpf_map_lookup_elem(&sink_counts, &key);
    if (count)
        *count += 1;
    return XDP_DROP;
}

char _license[] SEC("license") = "GPL";

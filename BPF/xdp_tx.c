// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The benchmark baseline: swap the Ethernet source and destination MACs
 * and send the frame back out of the interface it came in on (XDP_TX). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_tx_baseline(struct xdp_md *ctx)
{
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    unsigned char tmp[6];

    if (data + 14 > end)
        return XDP_DROP;
    __builtin_memcpy(tmp, data, 6);
    __builtin_memcpy(data, data + 6, 6);
    __builtin_memcpy(data + 6, tmp, 6);
    return XDP_TX;
}

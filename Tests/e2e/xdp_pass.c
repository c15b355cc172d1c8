/* XDP_PASS for the host ends of the end-to-end test's veth pairs.
 *
 * A frame the forwarder's XDP program redirects (bpf_redirect_map) into a
 * veth is queued for the NAPI instance of the peer end, and the peer has one
 * only when an XDP program is attached to it or GRO is on. GRO would merge
 * TCP segments, and the test counts every packet on both sides of each link,
 * so the hosts get this program instead: it passes everything to the stack
 * unchanged. Compiled and attached by Tests/e2e/topology.sh and
 * Tests/e2e/srv6-topology.sh (`up PREFIX xdp`). */
#include <linux/bpf.h>

__attribute__((section("xdp"), used)) int xdp_pass(struct xdp_md *ctx)
{
    (void)ctx;
    return XDP_PASS;
}

char _license[] __attribute__((section("license"), used)) = "GPL";

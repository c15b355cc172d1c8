// cdpdk_bench.h: what `sfc-bench` needs (through SFCDPDK's BenchLoop.swift)
// and the forwarder does not: a synthetic traffic source and a count of
// heap allocations.
// Like cdpdk.h, it includes no DPDK header.
#ifndef SFC_CDPDK_BENCH_H
#define SFC_CDPDK_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: traffic source (shim_bench.c)

/// The largest template packet a source can hold.
#define SFC_BENCH_TEMPLATE_MAX 512

/// One template packet and what the source spent writing it.
struct sfc_bench_source;

/// A source that gives every received mbuf the bytes of `template` (at the
/// default headroom, one segment). NULL when length > SFC_BENCH_TEMPLATE_MAX.
struct sfc_bench_source *sfc_bench_source_create(const uint8_t *bytes, uint16_t length);
void sfc_bench_source_free(struct sfc_bench_source *source);
/// Installs the source as an RX callback on (port, queue): rx_burst returns
/// the device's mbufs with the template written in. Returns a handle or NULL.
const void *sfc_bench_source_attach(uint16_t port, uint16_t queue, struct sfc_bench_source *source);
int sfc_bench_source_detach(uint16_t port, uint16_t queue, const void *handle);
/// Packets the source has rewritten, and the TSC cycles it spent doing so.
uint64_t sfc_bench_source_packets(const struct sfc_bench_source *source);
uint64_t sfc_bench_source_cycles(const struct sfc_bench_source *source);
/// Self-check only: when set, the source also mallocs and frees once per packet.
void sfc_bench_source_set_allocate(struct sfc_bench_source *source, int allocate);
/// Many flows: packet k gets the big-endian source port 1024 + k % flows at
/// port_offset. flows <= 1 writes the template unchanged. -1 when flows
/// exceeds 64512 or the port does not lie inside the template.
int sfc_bench_source_set_flows(struct sfc_bench_source *source, uint32_t flows, uint16_t port_offset);

// MARK: allocation count (shim_bench.c)

/// While counting is on, every malloc, calloc, realloc, posix_memalign,
/// aligned_alloc and memalign in the process, on any thread, adds one.
void sfc_bench_count_allocations(int on);
uint64_t sfc_bench_allocations(void);

// MARK: RX gate (shim_bench.c; a test hook)

/// An RX callback on (port, queue) that holds the polling lcore inside
/// rx_burst while *gate is 1 (it sets 2 when held) until *gate becomes 0.
const void *sfc_bench_gate_attach(uint16_t port, uint16_t queue, int32_t *gate);
int sfc_bench_gate_detach(uint16_t port, uint16_t queue, const void *handle);

#ifdef __cplusplus
}
#endif

#endif

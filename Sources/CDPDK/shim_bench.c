// For `sfc-bench` only: a traffic source and an allocation count.
//
// Traffic source: net_null hands out mbufs whose bytes are whatever the pool
// last held, and a net_ring loopback hands back what the forwarder sent (its
// headers already rewritten). An ethdev RX callback puts the case's template
// packet into every mbuf rx_burst returns, like a traffic generator would,
// and adds up the TSC cycles it spends so the bench can report them apart
// from the forwarder's. Nothing here runs unless the bench attaches it.
//
// Allocation count: this file defines malloc and the other allocating entry
// points of glibc, so that they are the ones every library in the process
// (the Swift runtime, DPDK, libc itself) binds to; each forwards to glibc's
// own implementation (__libc_malloc & co., exported for exactly this) and
// adds one to a counter while counting is on. free is left to glibc: both
// sides use the same heap. Off, the cost is one relaxed load per call.
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_pause.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "cdpdk_bench.h"

struct sfc_bench_source {
    uint64_t packets;
    uint64_t cycles;
    int allocate;
    uint16_t length;
    /* Flows: packet k gets source port 1024 + k % flows, a big-endian 16-bit
     * word at port_offset (0: one flow, the template's own). */
    uint32_t flows;
    uint32_t next_flow;
    uint16_t port_offset;
    uint8_t bytes[SFC_BENCH_TEMPLATE_MAX];
};

struct sfc_bench_source *sfc_bench_source_create(const uint8_t *bytes, uint16_t length) {
    if (length > SFC_BENCH_TEMPLATE_MAX) return NULL;
    struct sfc_bench_source *s = calloc(1, sizeof(*s));
    if (s == NULL) return NULL;
    memcpy(s->bytes, bytes, length);
    s->length = length;
    return s;
}

void sfc_bench_source_free(struct sfc_bench_source *source) { free(source); }

static uint16_t source_rx(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t count,
                          uint16_t max, void *user) {
    (void)port; (void)queue; (void)max;
    struct sfc_bench_source *s = user;
    if (count == 0) return 0;
    uint64_t start = rte_rdtsc();
    for (uint16_t i = 0; i < count; i++) {
        struct rte_mbuf *m = mbufs[i];
        m->data_off = RTE_PKTMBUF_HEADROOM;
        m->data_len = s->length;
        m->pkt_len = s->length;
        memcpy(rte_pktmbuf_mtod(m, void *), s->bytes, s->length);
        if (s->flows > 1) {
            uint16_t port = (uint16_t)(1024 + s->next_flow);
            uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, s->port_offset);
            p[0] = (uint8_t)(port >> 8);
            p[1] = (uint8_t)port;
            if (++s->next_flow == s->flows) s->next_flow = 0;
        }
        if (s->allocate) {
            // A volatile local (one per lcore: a shared one would race into a
            // double free) keeps the compiler from dropping the malloc/free pair.
            void *volatile block = malloc(64);
            free(block);
        }
    }
    // Read by the bench's timer thread while this lcore runs.
    __atomic_store_n(&s->cycles, s->cycles + (rte_rdtsc() - start), __ATOMIC_RELAXED);
    __atomic_store_n(&s->packets, s->packets + count, __ATOMIC_RELAXED);
    return count;
}

const void *sfc_bench_source_attach(uint16_t port, uint16_t queue, struct sfc_bench_source *source) {
    return rte_eth_add_rx_callback(port, queue, source_rx, source);
}

int sfc_bench_source_detach(uint16_t port, uint16_t queue, const void *handle) {
    return rte_eth_remove_rx_callback(port, queue, (const struct rte_eth_rxtx_callback *)handle);
}

uint64_t sfc_bench_source_packets(const struct sfc_bench_source *source) {
    return __atomic_load_n(&source->packets, __ATOMIC_RELAXED);
}

uint64_t sfc_bench_source_cycles(const struct sfc_bench_source *source) {
    return __atomic_load_n(&source->cycles, __ATOMIC_RELAXED);
}

void sfc_bench_source_set_allocate(struct sfc_bench_source *source, int allocate) { source->allocate = allocate; }

int sfc_bench_source_set_flows(struct sfc_bench_source *source, uint32_t flows, uint16_t port_offset) {
    if (flows > 1 && (flows > 65536 - 1024 || (uint32_t)port_offset + 2 > source->length)) return -1;
    source->flows = flows;
    source->port_offset = port_offset;
    source->next_flow = 0;
    return 0;
}

// MARK: allocation count

// A sanitizer's runtime replaces malloc and its family itself, and calls
// them while it starts, before it can run instrumented code: with these
// definitions every binary linking CDPDK crashed at start-up under ASan
// (asan_posix.cpp tsd_key_inited) and TSan (SIGSEGV in TraceSkipGap). Under a
// sanitizer nothing is counted (sfc-bench is not built there).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SFC_SANITIZER_ALLOCATOR 1
#endif
#endif

#ifdef SFC_SANITIZER_ALLOCATOR
void sfc_bench_count_allocations(int on) { (void)on; }

uint64_t sfc_bench_allocations(void) { return 0; }
#else
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static atomic_int counting;
static atomic_uint_fast64_t allocations;

static inline void note_allocation(void) {
    if (__builtin_expect(atomic_load_explicit(&counting, memory_order_relaxed), 0))
        atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
}

void sfc_bench_count_allocations(int on) { atomic_store_explicit(&counting, on != 0, memory_order_relaxed); }

uint64_t sfc_bench_allocations(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }

void *malloc(size_t size) {
    note_allocation();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    note_allocation();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    note_allocation();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    note_allocation();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    note_allocation();
    return __libc_memalign(alignment, size);
}

// The checks glibc's posix_memalign makes before it allocates.
int posix_memalign(void **out, size_t alignment, size_t size) {
    note_allocation();
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0 || alignment == 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}
#endif

// MARK: RX gate (a test hook: an lcore held inside a poll)

// While *gate is 1 the callback sets it to 2 (the lcore is held) and spins
// until someone sets it to 0: the lcore stays inside rx_burst, in the
// middle of a poll, so it reports no quiescent state meanwhile. Lets a
// test make a reload time out deterministically.
static uint16_t gate_rx(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t count, uint16_t max,
                        void *user) {
    (void)port; (void)queue; (void)mbufs; (void)max;
    int32_t *gate = user;
    int32_t expected = 1;
    if (__atomic_compare_exchange_n(gate, &expected, 2, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(gate, __ATOMIC_ACQUIRE) != 0) rte_pause();
    }
    return count;
}

const void *sfc_bench_gate_attach(uint16_t port, uint16_t queue, int32_t *gate) {
    return rte_eth_add_rx_callback(port, queue, gate_rx, gate);
}

int sfc_bench_gate_detach(uint16_t port, uint16_t queue, const void *handle) {
    return rte_eth_remove_rx_callback(port, queue, handle);
}

// rte_ring (enqueue/dequeue/count are inline).
#include <rte_ring.h>

#include "cdpdk.h"
#include "tsan_handoff.h"

struct rte_ring *sfc_dpdk_ring_create(const char *name, unsigned count, int socket) {
    return rte_ring_create(name, count, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

void sfc_dpdk_ring_free(struct rte_ring *ring) { rte_ring_free(ring); }

// The other end of a ring may be a ring PMD inside DPDK (tsan_handoff.h).
unsigned sfc_dpdk_ring_enqueue_burst(struct rte_ring *ring, struct rte_mbuf **mbufs, unsigned count) {
    sfc_tsan_hand_on(mbufs, count);
    return rte_ring_enqueue_burst(ring, (void *const *)mbufs, count, NULL);
}

unsigned sfc_dpdk_ring_dequeue_burst(struct rte_ring *ring, struct rte_mbuf **mbufs, unsigned count) {
    unsigned n = rte_ring_dequeue_burst(ring, (void **)mbufs, count, NULL);
    sfc_tsan_take(mbufs, n);
    return n;
}

unsigned sfc_dpdk_ring_count(const struct rte_ring *ring) { return rte_ring_count(ring); }

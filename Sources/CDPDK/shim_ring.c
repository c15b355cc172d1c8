// rte_ring (enqueue/dequeue/count are inline).
#include <rte_ring.h>

#include "cdpdk.h"

struct rte_ring *sfc_dpdk_ring_create(const char *name, unsigned count, int socket) {
    return rte_ring_create(name, count, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

void sfc_dpdk_ring_free(struct rte_ring *ring) { rte_ring_free(ring); }

unsigned sfc_dpdk_ring_enqueue_burst(struct rte_ring *ring, struct rte_mbuf **mbufs, unsigned count) {
    return rte_ring_enqueue_burst(ring, (void *const *)mbufs, count, NULL);
}

unsigned sfc_dpdk_ring_dequeue_burst(struct rte_ring *ring, struct rte_mbuf **mbufs, unsigned count) {
    return rte_ring_dequeue_burst(ring, (void **)mbufs, count, NULL);
}

unsigned sfc_dpdk_ring_count(const struct rte_ring *ring) { return rte_ring_count(ring); }

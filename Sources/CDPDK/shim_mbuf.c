// Mempools and mbuf fields (all inline functions or struct fields in DPDK).
#include <string.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "cdpdk.h"
#include "tsan_handoff.h"

struct rte_mempool *sfc_dpdk_pktmbuf_pool_create(const char *name, unsigned count, unsigned cache_size,
                                                 uint16_t data_room_size, int socket) {
    return rte_pktmbuf_pool_create(name, count, cache_size, 0, data_room_size, socket);
}

void sfc_dpdk_mempool_free(struct rte_mempool *pool) { rte_mempool_free(pool); }

unsigned sfc_dpdk_mempool_in_use(const struct rte_mempool *pool) { return rte_mempool_in_use_count(pool); }

unsigned sfc_dpdk_mbuf_header_size(void) { return (unsigned)sizeof(struct rte_mbuf); }

uint16_t sfc_dpdk_mbuf_default_headroom(void) { return RTE_PKTMBUF_HEADROOM; }

struct rte_mbuf *sfc_dpdk_pktmbuf_alloc(struct rte_mempool *pool) { return sfc_mbuf_alloc(pool); }

void sfc_dpdk_pktmbuf_free(struct rte_mbuf *m) { sfc_mbuf_free(m); }

// rte_pktmbuf_free_bulk is compiled in librte_mbuf: what it writes, TSan does not see.
void sfc_dpdk_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned count) {
    sfc_tsan_hand_on(mbufs, count);
    rte_pktmbuf_free_bulk(mbufs, count);
}

uint64_t sfc_dpdk_pktmbuf_len_sum(struct rte_mbuf *const *mbufs, unsigned count) {
    uint64_t sum = 0;
    for (unsigned i = 0; i < count; i++) sum += rte_pktmbuf_pkt_len(mbufs[i]);
    return sum;
}

char *sfc_dpdk_pktmbuf_prepend(struct rte_mbuf *m, uint16_t length) { return rte_pktmbuf_prepend(m, length); }

char *sfc_dpdk_pktmbuf_adj(struct rte_mbuf *m, uint16_t length) { return rte_pktmbuf_adj(m, length); }

char *sfc_dpdk_pktmbuf_append(struct rte_mbuf *m, uint16_t length) { return rte_pktmbuf_append(m, length); }

int sfc_dpdk_pktmbuf_linearize(struct rte_mbuf *m) { return rte_pktmbuf_linearize(m); }

void sfc_dpdk_mbuf_views(struct rte_mbuf *const *mbufs, uint16_t count, struct sfc_dpdk_mbuf_view *views) {
    for (uint16_t i = 0; i < count; i++) {
        const struct rte_mbuf *m = mbufs[i];
        views[i].buf_addr = m->buf_addr;
        views[i].pkt_len = m->pkt_len;
        views[i].buf_len = m->buf_len;
        views[i].data_off = m->data_off;
        views[i].data_len = m->data_len;
        views[i].nb_segs = m->nb_segs;
    }
}

void sfc_dpdk_mbuf_set_window(struct rte_mbuf *m, uint16_t data_off, uint16_t length) {
    m->data_off = data_off;
    m->data_len = length;
    m->pkt_len = length;
}

void *sfc_dpdk_mbuf_data(struct rte_mbuf *m) { return rte_pktmbuf_mtod(m, void *); }

uint16_t sfc_dpdk_mbuf_data_len(const struct rte_mbuf *m) { return m->data_len; }

int sfc_dpdk_rx_timestamp_offset(void) { return rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL); }

// RTE_MBUF_DYNFIELD is a macro (pointer arithmetic on the mbuf).
uint64_t sfc_dpdk_mbuf_dynfield64(const struct rte_mbuf *m, int offset) {
    return *RTE_MBUF_DYNFIELD(m, offset, const uint64_t *);
}

struct rte_mbuf *sfc_dpdk_mbuf_from_bytes(struct rte_mempool *pool, const void *bytes, uint16_t length, uint16_t port) {
    struct rte_mbuf *m = sfc_mbuf_alloc(pool);
    if (m == NULL)
        return NULL;
    char *data = rte_pktmbuf_append(m, length);
    if (data == NULL) {
        sfc_mbuf_free(m);
        return NULL;
    }
    memcpy(data, bytes, length);
    m->port = port;
    return m;
}

uint16_t sfc_dpdk_mbuf_port(const struct rte_mbuf *m) { return m->port; }

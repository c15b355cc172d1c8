// rte_rcu_qsbr (librte_rcu): the quiescent-state reclamation a reload waits
// on. Everything per reader (online, offline, quiescent) is inline in
// rte_rcu_qsbr.h, so Swift reaches it only through these one-line wrappers.
// The QSBR variable lives in ordinary cache-line-aligned memory: it is
// touched by the lcores once per poll and by the control thread on a reload,
// never by a device, so it needs no hugepage memory.
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_rcu_qsbr.h>

#include "cdpdk.h"

struct rte_rcu_qsbr *sfc_dpdk_qsbr_create(unsigned max_threads) {
    size_t size = rte_rcu_qsbr_get_memsize(max_threads);
    if (size == (size_t)-1 || size == 1) return NULL;
    // aligned_alloc wants a size that is a multiple of the alignment.
    size = (size + RTE_CACHE_LINE_SIZE - 1) & ~(size_t)(RTE_CACHE_LINE_SIZE - 1);
    struct rte_rcu_qsbr *v = aligned_alloc(RTE_CACHE_LINE_SIZE, size);
    if (v == NULL) return NULL;
    memset(v, 0, size);
    if (rte_rcu_qsbr_init(v, max_threads) != 0) {
        free(v);
        return NULL;
    }
    return v;
}

void sfc_dpdk_qsbr_free(struct rte_rcu_qsbr *v) { free(v); }

int sfc_dpdk_qsbr_register(struct rte_rcu_qsbr *v, unsigned thread) { return rte_rcu_qsbr_thread_register(v, thread); }

void sfc_dpdk_qsbr_online(struct rte_rcu_qsbr *v, unsigned thread) { rte_rcu_qsbr_thread_online(v, thread); }

void sfc_dpdk_qsbr_offline(struct rte_rcu_qsbr *v, unsigned thread) { rte_rcu_qsbr_thread_offline(v, thread); }

void sfc_dpdk_qsbr_quiescent(struct rte_rcu_qsbr *v, unsigned thread) { rte_rcu_qsbr_quiescent(v, thread); }

uint64_t sfc_dpdk_qsbr_start(struct rte_rcu_qsbr *v) { return rte_rcu_qsbr_start(v); }

int sfc_dpdk_qsbr_check(struct rte_rcu_qsbr *v, uint64_t token) { return rte_rcu_qsbr_check(v, token, false); }

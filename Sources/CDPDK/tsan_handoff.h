// tsan_handoff.h: mbufs change threads inside DPDK's libraries (a ring PMD's
// rings, a mempool's common ring), which ThreadSanitizer does not see, as
// they are not instrumented; it would then report the next thread's accesses
// to a recycled or received mbuf as races. The shim says where an mbuf is
// handed on (release: TX, enqueue, free) and taken (acquire: RX, dequeue,
// alloc). Nothing at all without ThreadSanitizer. Private to CDPDK.
#ifndef SFC_CDPDK_TSAN_HANDOFF_H
#define SFC_CDPDK_TSAN_HANDOFF_H

#include <rte_mbuf.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SFC_TSAN 1
#endif
#endif

#ifdef SFC_TSAN
#include <sanitizer/tsan_interface.h>

static inline void sfc_tsan_hand_on(struct rte_mbuf *const *mbufs, unsigned count) {
    for (unsigned i = 0; i < count; i++)
        for (struct rte_mbuf *s = mbufs[i]; s != NULL; s = s->next) __tsan_release(s);
}

static inline void sfc_tsan_take(struct rte_mbuf *const *mbufs, unsigned count) {
    for (unsigned i = 0; i < count; i++)
        for (struct rte_mbuf *s = mbufs[i]; s != NULL; s = s->next) __tsan_acquire(s);
}

// rte_pktmbuf_alloc and rte_pktmbuf_free with the hand-over between the
// mempool and the mbuf's fields: taken before reset writes them, handed on
// after the last read (the pool pointer), right before the put.
static inline struct rte_mbuf *sfc_mbuf_alloc(struct rte_mempool *pool) {
    struct rte_mbuf *m = rte_mbuf_raw_alloc(pool);
    if (m == NULL) return NULL;
    __tsan_acquire(m);
    rte_pktmbuf_reset(m);
    return m;
}

static inline void sfc_mbuf_free(struct rte_mbuf *m) {
    while (m != NULL) {
        struct rte_mbuf *next = m->next;
        struct rte_mbuf *seg = rte_pktmbuf_prefree_seg(m);
        if (seg != NULL) {
            struct rte_mempool *pool = seg->pool;
            __tsan_release(seg);
            rte_mempool_put(pool, seg);
        }
        m = next;
    }
}
#else
static inline void sfc_tsan_hand_on(struct rte_mbuf *const *mbufs, unsigned count) { (void)mbufs; (void)count; }

static inline void sfc_tsan_take(struct rte_mbuf *const *mbufs, unsigned count) { (void)mbufs; (void)count; }

#define sfc_mbuf_alloc rte_pktmbuf_alloc
#define sfc_mbuf_free rte_pktmbuf_free
#endif

#endif

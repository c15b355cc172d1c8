// cdpdk_atomic.h: the few atomic accesses the reload and the live trace need
// between the control thread and the lcores, as static inline functions over
// plain memory (GCC/Clang __atomic builtins) so that Swift imports them and
// inlines them: no package dependency (swift-atomics) and no call per burst.
// Loads and stores of aligned 64-bit words are single instructions on
// x86-64; acquire/release only order them (no fence on x86 for these).
#ifndef SFC_CDPDK_ATOMIC_H
#define SFC_CDPDK_ATOMIC_H

#include <stdint.h>

/// Publishes a pointer: what was written before is visible to an acquire load that sees it.
static inline void sfc_atomic_store_ptr_release(void **cell, void *value) {
    __atomic_store_n(cell, value, __ATOMIC_RELEASE);
}

static inline void *sfc_atomic_load_ptr_acquire(void *const *cell) { return __atomic_load_n(cell, __ATOMIC_ACQUIRE); }

static inline void sfc_atomic_store_u64_release(uint64_t *cell, uint64_t value) {
    __atomic_store_n(cell, value, __ATOMIC_RELEASE);
}

static inline uint64_t sfc_atomic_load_u64_acquire(const uint64_t *cell) { return __atomic_load_n(cell, __ATOMIC_ACQUIRE); }

/// The trace's on/off flag: read once per burst (relaxed: x86 plain load);
/// arming stores it with release after the filter and budget are written.
static inline int32_t sfc_atomic_load_i32_acquire(const int32_t *cell) { return __atomic_load_n(cell, __ATOMIC_ACQUIRE); }

static inline int32_t sfc_atomic_load_i32_relaxed(const int32_t *cell) { return __atomic_load_n(cell, __ATOMIC_RELAXED); }

static inline void sfc_atomic_store_i32_release(int32_t *cell, int32_t value) {
    __atomic_store_n(cell, value, __ATOMIC_RELEASE);
}

/// The trace budget: returns the value before subtracting (only while tracing).
static inline int64_t sfc_atomic_fetch_sub_i64(int64_t *cell, int64_t value) {
    return __atomic_fetch_sub(cell, value, __ATOMIC_RELAXED);
}

static inline void sfc_atomic_store_i64(int64_t *cell, int64_t value) { __atomic_store_n(cell, value, __ATOMIC_RELAXED); }

/// An lcore's statistics: one writer (the lcore), readers on any thread
/// (status, metrics). Relaxed loads and stores, plain movs on x86-64 like the
/// unsynchronised `+=` they replace, which was a data race (ThreadSanitizer).
static inline void sfc_stat_add_u64(uint64_t *cell, uint64_t value) {
    __atomic_store_n(cell, __atomic_load_n(cell, __ATOMIC_RELAXED) + value, __ATOMIC_RELAXED);
}

static inline uint64_t sfc_stat_load_u64(const uint64_t *cell) { return __atomic_load_n(cell, __ATOMIC_RELAXED); }

#endif

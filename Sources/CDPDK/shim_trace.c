// The live trace's per-lcore record ring: single producer (the lcore),
// single consumer (the control thread that drains). Fixed slots allocated
// once; the producer fills a slot in place and publishes it with a release
// store of `head`, the consumer reads it and frees it with a release store
// of `tail` (Lamport's ring; the acquire loads pair with those stores).
// No lock, no allocation and no syscall on the producer side.
#include <stdlib.h>
#include <string.h>

#include "cdpdk.h"

// _Alignas: aligned_alloc wants a size that is a multiple of the alignment
// (C11 7.22.3.1; ThreadSanitizer's allocator refuses 144 bytes at 64).
struct sfc_trace_ring {
    _Alignas(64) uint64_t head;  // written by the producer only
    char pad0[56];
    uint64_t tail;  // written by the consumer only
    char pad1[56];
    uint32_t capacity;  // a power of two
    struct sfc_trace_slot *slots;
};
_Static_assert(sizeof(struct sfc_trace_ring) % 64 == 0, "aligned_alloc(64, size): size must be a multiple of 64");

struct sfc_trace_ring *sfc_trace_ring_create(uint32_t capacity) {
    if (capacity == 0 || (capacity & (capacity - 1)) != 0) return NULL;
    struct sfc_trace_ring *r = aligned_alloc(64, sizeof(*r));
    if (r == NULL) return NULL;
    memset(r, 0, sizeof(*r));
    r->capacity = capacity;
    r->slots = calloc(capacity, sizeof(struct sfc_trace_slot));
    if (r->slots == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

void sfc_trace_ring_free(struct sfc_trace_ring *r) {
    if (r == NULL) return;
    free(r->slots);
    free(r);
}

struct sfc_trace_slot *sfc_trace_ring_reserve(struct sfc_trace_ring *r, uint32_t ahead) {
    uint64_t head = r->head + ahead;  // only this thread writes head
    uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    if (head - tail >= r->capacity) return NULL;
    return &r->slots[head & (r->capacity - 1)];
}

void sfc_trace_ring_commit(struct sfc_trace_ring *r, uint32_t count) {
    __atomic_store_n(&r->head, r->head + count, __ATOMIC_RELEASE);
}

const struct sfc_trace_slot *sfc_trace_ring_peek(struct sfc_trace_ring *r) {
    uint64_t tail = r->tail;  // only the consumer writes it
    uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    if (tail == head) return NULL;
    return &r->slots[tail & (r->capacity - 1)];
}

void sfc_trace_ring_release(struct sfc_trace_ring *r) {
    __atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
}

// The stop flag lives in C: a C11 atomic is safe to set from a signal
// handler and to read from every lcore, without Swift's Synchronization
// module (which needs newer Apple platforms than the package declares).
#include <stdatomic.h>

#include "csfc_runtime.h"

static atomic_int stop_requested;

void sfc_request_stop(void) { atomic_store_explicit(&stop_requested, 1, memory_order_relaxed); }

void sfc_clear_stop(void) { atomic_store_explicit(&stop_requested, 0, memory_order_relaxed); }

int sfc_stop_requested(void) { return atomic_load_explicit(&stop_requested, memory_order_relaxed); }

// SIGHUP: a reload asked for; the daemon takes it (and clears it) once per tick.
static atomic_int reload_requested;

void sfc_request_reload(void) { atomic_store_explicit(&reload_requested, 1, memory_order_relaxed); }

int sfc_take_reload(void) { return atomic_exchange_explicit(&reload_requested, 0, memory_order_relaxed); }

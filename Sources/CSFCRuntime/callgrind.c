/* Callgrind client requests for the instruction-count guard (sfc-bench
 * --dataplane reference, scripts/instruction-guard.py): the benchmark
 * switches counting on around the pipeline's work only. Outside valgrind
 * each request is a few no-op instructions; without valgrind's headers at
 * build time, nothing at all. */
#include "csfc_runtime.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define SFC_HAVE_CALLGRIND 1
#endif
#endif

int sfc_callgrind_available(void)
{
#ifdef SFC_HAVE_CALLGRIND
    return RUNNING_ON_VALGRIND ? 1 : 0;
#else
    return -1;
#endif
}

void sfc_callgrind_start(void)
{
#ifdef SFC_HAVE_CALLGRIND
    CALLGRIND_START_INSTRUMENTATION;
#endif
}

void sfc_callgrind_toggle(void)
{
#ifdef SFC_HAVE_CALLGRIND
    CALLGRIND_TOGGLE_COLLECT;
#endif
}

void sfc_callgrind_stop(void)
{
#ifdef SFC_HAVE_CALLGRIND
    CALLGRIND_STOP_INSTRUMENTATION;
#endif
}

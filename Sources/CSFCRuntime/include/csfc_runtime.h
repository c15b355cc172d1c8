// csfc_runtime.h: the stop flag every command's loops poll, and SIGHUP's reload flag (DPDK lcores, the
// XDP daemon, the benchmarks). It lives in C so a signal handler can set it.
#ifndef SFC_CSFC_RUNTIME_H
#define SFC_CSFC_RUNTIME_H

#ifdef __cplusplus
extern "C" {
#endif

void sfc_request_stop(void);
void sfc_clear_stop(void);
int sfc_stop_requested(void);

/* SIGHUP's flag: set by the handler, taken (read and cleared) by the daemon. */
void sfc_request_reload(void);
int sfc_take_reload(void);

/* Callgrind client requests (callgrind.c): 1 under valgrind, 0 outside it,
 * -1 when built without valgrind's headers (nothing can be counted). */
int sfc_callgrind_available(void);
void sfc_callgrind_start(void);   /* CALLGRIND_START_INSTRUMENTATION */
void sfc_callgrind_toggle(void);  /* CALLGRIND_TOGGLE_COLLECT */
void sfc_callgrind_stop(void);    /* CALLGRIND_STOP_INSTRUMENTATION */

#ifdef __cplusplus
}
#endif

#endif

// csfc_runtime.h: the stop flag every command's loops poll (DPDK lcores, the
// XDP daemon, the benchmarks). It lives in C so a signal handler can set it.
#ifndef SFC_CSFC_RUNTIME_H
#define SFC_CSFC_RUNTIME_H

#ifdef __cplusplus
extern "C" {
#endif

void sfc_request_stop(void);
void sfc_clear_stop(void);
int sfc_stop_requested(void);

#ifdef __cplusplus
}
#endif

#endif

/* Host-side access to the C headers the BPF programs share (BPF/include),
 * so Swift tests can check them against the Swift definitions. */
#ifndef SFC_SHARED_H
#define SFC_SHARED_H
#include <stdint.h>

/* SFC_DROP_* code -> name, or NULL when the code is not a drop reason. */
const char *sfc_shared_drop_reason_name(int code);

/* sfc_flow_hash over host-order words; a and b point to 1 (IPv4) or 4 (IPv6) words. */
uint32_t sfc_shared_flow_hash(const uint32_t *a, const uint32_t *b, uint16_t pa, uint16_t pb, uint8_t proto, int v6);
#endif

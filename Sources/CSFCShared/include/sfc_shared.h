/* Host-side access to the C headers the BPF programs share (BPF/include),
 * so Swift tests can check the Swift view generated from them (SFCCore's
 * SharedSpec.swift) against what a C compiler makes of the same lists. */
#ifndef SFC_SHARED_H
#define SFC_SHARED_H
#include <stddef.h>
#include <stdint.h>

/* One row of an X-macro list as the C preprocessor expands it. Columns a
 * list does not have are NULL / -1. */
struct sfc_shared_row {
    long code;
    const char *c_name;     /* e.g. "NO_ROUTE" */
    const char *swift_name; /* e.g. "noRoute" */
    const char *text;       /* the name in counters and chain files */
    const char *explanation;
    int action;             /* behaviours: SFC_ACTION_* */
    int inner;              /* behaviours: SFC_INNER_* */
    const char *extra;      /* proxy modes: the behaviour's C name */
};

enum sfc_shared_list {
    SFC_LIST_DROP_REASONS = 0, SFC_LIST_BEHAVIORS = 1, SFC_LIST_FUNCTION_KINDS = 2,
    SFC_LIST_PROXY_MODES = 3, SFC_LIST_STEPS = 4, SFC_LIST_EVENTS = 5,
};

/* The rows of one list, in order; *count is set to their number. */
const struct sfc_shared_row *sfc_shared_rows(enum sfc_shared_list list, size_t *count);

/* sfc_behavior_action / sfc_behavior_inner of sfc_behaviors.h, the
 * questions the BPF program asks of a behaviour code. */
int sfc_shared_behavior_action(unsigned int behavior);
unsigned int sfc_shared_behavior_inner(unsigned int behavior);

/* An integer #define of sfc_tables.h by name, or -1 if it has none. */
long long sfc_shared_constant(const char *name);

/* sfc_flow_hash over host-order words; a and b point to 1 (IPv4) or 4 (IPv6) words. */
uint32_t sfc_shared_flow_hash(const uint32_t *a, const uint32_t *b, uint16_t pa, uint16_t pb, uint8_t proto, int v6,
                              uint32_t seed);
#endif

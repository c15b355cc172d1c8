#include "sfc_shared.h"
#include "../../BPF/include/sfc_tables.h"
#include "../../BPF/include/sfc_drop_reasons.h"
#include "../../BPF/include/sfc_steps.h"
#include "../../BPF/include/sfc_flowhash.h"
#include <string.h>

#define DROP_ROW(NAME, CODE, SWIFT, TEXT, EXPLANATION) {CODE, #NAME, #SWIFT, TEXT, EXPLANATION, -1, -1, NULL},
static const struct sfc_shared_row drops[] = {SFC_DROP_REASONS(DROP_ROW)};
#define BEHAVIOR_ROW(NAME, CODE, SWIFT, TEXT, ACTION, INNER) \
    {CODE, #NAME, #SWIFT, TEXT, NULL, SFC_ACTION_##ACTION, SFC_INNER_##INNER, NULL},
static const struct sfc_shared_row behaviors[] = {SFC_BEHAVIORS(BEHAVIOR_ROW)};
#define KIND_ROW(NAME, CODE, SWIFT, TEXT) {CODE, #NAME, #SWIFT, TEXT, NULL, -1, -1, NULL},
static const struct sfc_shared_row kinds[] = {SFC_FUNCTION_KINDS(KIND_ROW)};
#define PROXY_ROW(NAME, CODE, SWIFT, TEXT, BEHAVIOR) {CODE, #NAME, #SWIFT, TEXT, NULL, -1, -1, #BEHAVIOR},
static const struct sfc_shared_row proxies[] = {SFC_PROXY_MODES(PROXY_ROW)};
#define STEP_ROW(NAME, CODE, SWIFT, TEXT) {CODE, #NAME, #SWIFT, TEXT, NULL, -1, -1, NULL},
static const struct sfc_shared_row steps[] = {SFC_STEPS(STEP_ROW)};
#define EVENT_ROW(NAME, CODE, SWIFT, TEXT, EXPLANATION) {CODE, #NAME, #SWIFT, TEXT, EXPLANATION, -1, -1, NULL},
static const struct sfc_shared_row events[] = {SFC_EVENTS(EVENT_ROW)};

const struct sfc_shared_row *sfc_shared_rows(enum sfc_shared_list list, size_t *count)
{
#define LIST(A) do { *count = sizeof(A) / sizeof(A[0]); return A; } while (0)
    switch (list) {
    case SFC_LIST_DROP_REASONS: LIST(drops);
    case SFC_LIST_BEHAVIORS: LIST(behaviors);
    case SFC_LIST_FUNCTION_KINDS: LIST(kinds);
    case SFC_LIST_PROXY_MODES: LIST(proxies);
    case SFC_LIST_STEPS: LIST(steps);
    case SFC_LIST_EVENTS: LIST(events);
    }
#undef LIST
    *count = 0;
    return NULL;
}

int sfc_shared_behavior_action(unsigned int behavior) { return sfc_behavior_action(behavior); }
unsigned int sfc_shared_behavior_inner(unsigned int behavior) { return sfc_behavior_inner(behavior); }

long long sfc_shared_constant(const char *name)
{
#define CONSTANT(N) if (strcmp(name, #N) == 0) return (long long)(N);
    CONSTANT(SFC_MAX_PORTS) CONSTANT(SFC_MAX_CHAINS) CONSTANT(SFC_MAX_HOPS) CONSTANT(SFC_MAX_FUNCTIONS)
    CONSTANT(SFC_MAX_INSTANCES) CONSTANT(SFC_MAX_CONTEXT) CONSTANT(SFC_MAX_SIDS) CONSTANT(SFC_MAX_RETURNS)
    CONSTANT(SFC_MAX_PATHS) CONSTANT(SFC_MAX_ROUTES) CONSTANT(SFC_MAX_TUPLES) CONSTANT(SFC_MAX_CLASS_KEYS)
    CONSTANT(SFC_CLASS_CANDIDATES) CONSTANT(SFC_MAX_HOP_COUNTERS) CONSTANT(SFC_MAX_INSTANCE_COUNTERS)
    CONSTANT(SFC_MAX_PROXY_CACHES) CONSTANT(SFC_PROXY_CACHE_BYTES) CONSTANT(SFC_NSH_PROXY_FLOWS)
    CONSTANT(SFC_MAX_NSH_PROXY_BLOCKS) CONSTANT(SFC_NSH_STATE_BYTES) CONSTANT(SFC_INSTANCE_BUCKET_COUNT)
    CONSTANT(SFC_ENCAP_HOP_LIMIT) CONSTANT(SFC_MAX_LOCAL_SIDS) CONSTANT(SFC_NONE) CONSTANT(SFC_GENERATIONS)
    CONSTANT(SFC_TEST_MAGIC) CONSTANT(SFC_DROP_REASON_SLOTS)
    CONSTANT(SFC_AFFINITY_SETS) CONSTANT(SFC_AFFINITY_WAYS) CONSTANT(SFC_AFFINITY_TICK_SHIFT) CONSTANT(SFC_BUCKET_NONE)
    CONSTANT(SFC_PROBE_MAGIC) CONSTANT(SFC_MAX_PROBES) CONSTANT(SFC_INSTANCE_DOWN) CONSTANT(SFC_FAIL_OPEN)
    CONSTANT(SFC_EVENT_SLOTS)
#undef CONSTANT
    return -1;
}

uint32_t sfc_shared_flow_hash(const uint32_t *a, const uint32_t *b, uint16_t pa, uint16_t pb, uint8_t proto, int v6,
                              uint32_t seed)
{
    struct sfc_flow f = {0};
    int n = v6 ? 4 : 1;
    for (int i = 0; i < n; i++) {
        f.a[i] = a[i];
        f.b[i] = b[i];
    }
    f.pa = pa;
    f.pb = pb;
    f.proto = proto;
    f.v6 = (__u8)(v6 != 0);
    return sfc_flow_hash(&f, seed);
}

#include "sfc_shared.h"
#include "../../BPF/include/sfc_drop_reasons.h"
#include "../../BPF/include/sfc_flowhash.h"
#include <stddef.h>

const char *sfc_shared_drop_reason_name(int code)
{
    switch (code) {
#define SFC_DROP_CASE(NAME, CODE, TEXT) case CODE: return TEXT;
    SFC_DROP_REASONS(SFC_DROP_CASE)
#undef SFC_DROP_CASE
    default: return NULL;
    }
}

uint32_t sfc_shared_flow_hash(const uint32_t *a, const uint32_t *b, uint16_t pa, uint16_t pb, uint8_t proto, int v6)
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
    return sfc_flow_hash(&f);
}

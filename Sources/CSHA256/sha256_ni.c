/* SHA-256 block compression with SHA256RNDS2 / SHA256MSG1 / SHA256MSG2
 * (FIPS 180-4 s6.2.2 in the instructions' terms). The instructions keep
 * the state as two registers, ABEF and CDGH (A in the top dword), take the
 * message words with their round constants already added, and do two
 * rounds per call; MSG1 and MSG2 extend the schedule four words at a time. */
#include "csha256.h"
#include "../../BPF/include/sfc_sha256.h"

#include <stdlib.h>

static const uint32_t sfc_k[64] = SFC_SHA256_K;

const uint32_t *sfc_sha256_round_constants(void)
{
    return sfc_k;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>


static int sfc_detected = -1;

static int sfc_detect(void)
{
    unsigned a, b, c, d;
    if (getenv("SFC_SHA256_PORTABLE"))
        return 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

__attribute__((constructor)) static void sfc_sha256_init(void)
{
    sfc_detected = sfc_detect();
}

int sfc_sha256_accelerated(void)
{
    if (sfc_detected < 0)
        sfc_detected = sfc_detect();
    return sfc_detected;
}

__attribute__((target("sha,ssse3,sse4.1")))
void sfc_sha256_compress_ni(uint32_t state[8], const uint8_t *block)
{
    /* Big-endian message words: reverse the bytes of each dword. */
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    /* A..D and E..H (low dword first) into ABEF and CDGH (high dword first). */
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0xB1);       /* B A D C */
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(state + 4)), 0x1B); /* H G F E */
    __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);                                         /* F E B A */
    __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);                                      /* H G D C */
    const __m128i abef0 = abef, cdgh0 = cdgh;

    __m128i w[4];
    for (int i = 0; i < 4; i++)
        w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(block + 16 * i)), swap);
    for (int i = 0; i < 16; i++) {
        __m128i words;
        if (i < 4) {
            words = w[i];
        } else {
            /* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four at a time. */
            __m128i part = _mm_add_epi32(_mm_sha256msg1_epu32(w[0], w[1]), _mm_alignr_epi8(w[3], w[2], 4));
            words = _mm_sha256msg2_epu32(part, w[3]);
            w[0] = w[1];
            w[1] = w[2];
            w[2] = w[3];
            w[3] = words;
        }
        __m128i wk = _mm_add_epi32(words, _mm_loadu_si128((const __m128i *)(sfc_k + 4 * i)));
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);                      /* rounds 4i, 4i+1 */
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E)); /* 4i+2, 4i+3 */
    }
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);

    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);                     /* A B E F */
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);                     /* G H C D */
    _mm_storeu_si128((__m128i *)state, _mm_blend_epi16(feba, dchg, 0xF0));      /* A B C D */
    _mm_storeu_si128((__m128i *)(state + 4), _mm_alignr_epi8(dchg, feba, 8)); /* E F G H */
}

#else

int sfc_sha256_accelerated(void)
{
    return 0;
}

void sfc_sha256_compress_ni(uint32_t state[8], const uint8_t *block)
{
    (void)state;
    (void)block;
    abort();
}

#endif

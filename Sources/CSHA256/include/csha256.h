/* SHA-256's block compression on the x86-64 SHA extensions (SHA-NI), for
 * Sources/SFCCore/Tools/SHA256.swift: the SRv6 HMAC of a signed chain or a
 * require-hmac port costs three blocks per packet, about 13,500
 * instructions in portable code and a few hundred cycles here. Elsewhere,
 * or on a CPU without the extensions, sfc_sha256_accelerated() is 0 and
 * Swift keeps its own compression. */
#ifndef CSHA256_H
#define CSHA256_H

#include <stdint.h>

/* 1 when sfc_sha256_compress_ni may be called: the CPU has SHA, SSSE3 and
 * SSE4.1, and SFC_SHA256_PORTABLE is not set in the environment (it keeps
 * the portable code, e.g. under valgrind, which knows no SHA-NI). Decided
 * once, at load. */
int sfc_sha256_accelerated(void);

/* The 64 round constants (BPF/include/sfc_sha256.h), for the portable
 * Swift compression: the table is written once for C, BPF and Swift. */
const uint32_t *sfc_sha256_round_constants(void);

/* Absorbs the 64-byte block at `block` into the eight state words
 * (A..H, host order). Only when sfc_sha256_accelerated(). */
void sfc_sha256_compress_ni(uint32_t state[8], const uint8_t *block);

#endif

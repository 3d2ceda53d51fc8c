/*
 * cobs.c - COBS encode and in-place decode.
 */
#include "cobs.h"

/* A code byte counts itself plus up to 254 data bytes; 0xFF means "no zero follows". */
#define TC_COBS_MAX_CODE 0xFFu

size_t tc_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    if (cap == 0u) {
        return 0u;
    }
    size_t code_at = 0u; /* where the current block's code byte goes */
    size_t out = 1u;
    uint8_t code = 1u;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == 0u) {
            dst[code_at] = code;
            code_at = out;
            code = 1u;
            if (out >= cap) {
                return 0u;
            }
            out++;
            continue;
        }
        if (out >= cap) {
            return 0u;
        }
        dst[out] = src[i];
        out++;
        code++;
        if (code == TC_COBS_MAX_CODE && i + 1u < n) {
            /* a full block with more data to come: close it without an implied zero */
            dst[code_at] = code;
            code_at = out;
            code = 1u;
            if (out >= cap) {
                return 0u;
            }
            out++;
        }
    }
    dst[code_at] = code;
    return out;
}

bool tc_cobs_decode_in_place(uint8_t *buf, size_t n, size_t *out_len)
{
    size_t in = 0u;
    size_t out = 0u;
    while (in < n) {
        uint8_t code = buf[in];
        if (code == 0u) {
            return false; /* a zero inside a frame */
        }
        if ((size_t)code - 1u > n - in - 1u) {
            return false; /* the block runs past the end */
        }
        in++;
        for (uint8_t k = 1u; k < code; k++) {
            /* out < in always holds here, so the copy never overwrites unread bytes */
            buf[out] = buf[in];
            out++;
            in++;
        }
        if (code != TC_COBS_MAX_CODE && in < n) {
            buf[out] = 0u;
            out++;
        }
    }
    *out_len = out;
    return true;
}

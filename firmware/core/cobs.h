/*
 * cobs.h - Consistent Overhead Byte Stuffing, the standard form (section 2).
 *
 * Encoding n bytes takes at most n + n / 254 + 1 bytes; the delimiter is not written here.
 */
#ifndef TC_COBS_H
#define TC_COBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes an encoding of n bytes may need at most (delimiter not counted). */
#define TC_COBS_MAX_ENCODED(n) ((n) + (n) / 254u + 1u)

/*
 * Stuff n bytes of src into dst (capacity cap). Returns the encoded length, or 0 when
 * cap is too small (nothing useful is left in dst then). src and dst must not overlap.
 */
size_t tc_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap);

/*
 * Unstuff n bytes in place (the decoded bytes never overtake the stuffed ones). Returns
 * true and the decoded length in *out_len, or false when the stuffing is invalid: a code
 * byte of 0, or a code byte that points past the end.
 */
bool tc_cobs_decode_in_place(uint8_t *buf, size_t n, size_t *out_len);

#endif

/*
 * crc32.h - CRC-32/ISO-HDLC (section 2): poly 0x04C11DB7 reflected, init and xorout
 * 0xFFFFFFFF. Check value: tc_crc32("123456789", 9) == 0xCBF43926.
 */
#ifndef TC_CRC32_H
#define TC_CRC32_H

#include <stddef.h>
#include <stdint.h>

#define TC_CRC32_CHECK 0xCBF43926u

/* CRC of n bytes at p. */
uint32_t tc_crc32(const uint8_t *p, size_t n);

/* Continue a CRC: tc_crc32_update(tc_crc32(a), b) == tc_crc32(a followed by b). */
uint32_t tc_crc32_update(uint32_t crc, const uint8_t *p, size_t n);

#endif

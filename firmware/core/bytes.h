/*
 * bytes.h - little-endian field access and the two memory helpers the core needs.
 *
 * The core links no libc: these replace memset/memcpy for the few bounded copies it does.
 * Every multi-byte wire integer is little-endian (section 2).
 */
#ifndef TC_BYTES_H
#define TC_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline void tc_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

static inline void tc_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
    p[2] = (uint8_t)((v >> 16) & 0xFFu);
    p[3] = (uint8_t)(v >> 24);
}

static inline uint16_t tc_get_u16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] | (uint16_t)((uint16_t)p[1] << 8));
}

static inline uint32_t tc_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* Copy n bytes; the regions must not overlap. */
static inline void tc_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = src[i];
    }
}

/* Zero n bytes. */
static inline void tc_zero(uint8_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = 0;
    }
}

#endif

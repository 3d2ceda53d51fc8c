/*
 * render.h - the spec vectors' JSON of a decoded payload (tests only).
 */
#ifndef TC_TEST_RENDER_H
#define TC_TEST_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "spec.h"

typedef struct {
    char text[SPEC_MAX_JSON];
    size_t len;
} out_t;

/* The document's name of a message type ("HELLO"), and back (0 when unknown). */
const char *type_name(uint8_t type);
uint8_t type_named(const char *name);

/* The NAK code of a name ("OUT_OF_RANGE"), 0 when unknown. */
uint8_t nak_code_named(const char *name);

/*
 * Decode the payload of f into JSON (o) and encode it back with the core's encoders into
 * again (TC_MAX_PAYLOAD bytes); false when the payload does not fit its type's layout.
 */
bool render_and_reencode(const tc_frame_t *f, out_t *o, uint8_t *again, size_t *again_len);

#endif

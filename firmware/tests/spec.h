/*
 * spec.h - the test vectors of firmware_protocol.md section 11, read out of the document
 * at test time (as tests/protocol/test_spec_vectors.py does for the host): every ```frame
 * block with the ```json block after it. Plus the few JSON look-ups the checks need; the
 * vectors' JSON is one line each, written by Python's json.dumps.
 */
#ifndef TC_TEST_SPEC_H
#define TC_TEST_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPEC_MAX_VECTORS 64u
#define SPEC_MAX_WIRE 600u
#define SPEC_MAX_JSON 4096u

typedef struct {
    uint8_t wire[SPEC_MAX_WIRE];
    size_t wire_len;
    char json[SPEC_MAX_JSON];
} spec_vector_t;

/* Read every vector of the document at path into vectors; how many, or -1 on an error
 * (a message is printed). */
int spec_read(const char *path, spec_vector_t *vectors, size_t max);

/* The string value of "key" in json, copied into out (size cap); false when absent. */
bool json_string(const char *json, const char *key, char *out, size_t cap);

/* The integer value of "key"; false when absent or not an integer. */
bool json_int(const char *json, const char *key, long *out);

/* The raw text of "key"'s object, array or null value, copied into out; false when absent. */
bool json_raw(const char *json, const char *key, char *out, size_t cap);

#endif

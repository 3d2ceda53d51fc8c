/*
 * spec.c - reading the spec's vectors and looking into their JSON.
 */
#include "spec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Hex pairs separated by blanks into out; false on anything else or too many bytes. */
static bool parse_hex(const char *line, spec_vector_t *v)
{
    for (const char *p = line; *p != '\0';) {
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        int hi = hex_value(p[0]);
        int lo = hex_value(p[1]);
        if (hi < 0 || lo < 0 || v->wire_len >= SPEC_MAX_WIRE) {
            return false;
        }
        v->wire[v->wire_len++] = (uint8_t)(hi * 16 + lo);
        p += 2;
    }
    return true;
}

int spec_read(const char *path, spec_vector_t *vectors, size_t max)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        printf("cannot read %s\n", path);
        return -1;
    }
    enum { OUTSIDE, IN_FRAME, AFTER_FRAME, IN_JSON } where = OUTSIDE;
    static char line[8192];
    int count = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        switch (where) {
        case OUTSIDE:
            if (strcmp(line, "```frame") == 0) {
                if ((size_t)count >= max) {
                    ok = false;
                    break;
                }
                memset(&vectors[count], 0, sizeof vectors[count]);
                where = IN_FRAME;
            }
            break;
        case IN_FRAME:
            if (strcmp(line, "```") == 0) {
                where = AFTER_FRAME;
            } else if (!parse_hex(line, &vectors[count])) {
                printf("vector %d: bad hex line: %s\n", count + 1, line);
                ok = false;
            }
            break;
        case AFTER_FRAME:
            if (strcmp(line, "```json") == 0) {
                where = IN_JSON;
            } else if (strncmp(line, "```", 3) == 0) {
                printf("vector %d: a frame without its json\n", count + 1);
                ok = false;
            }
            break;
        case IN_JSON:
            if (strcmp(line, "```") == 0) {
                count++;
                where = OUTSIDE;
            } else if (strlen(vectors[count].json) + strlen(line) < SPEC_MAX_JSON) {
                strcat(vectors[count].json, line);
            } else {
                ok = false;
            }
            break;
        }
    }
    fclose(f);
    if (!ok || where != OUTSIDE) {
        printf("%s: the vectors could not be read\n", path);
        return -1;
    }
    return count;
}

/* Where "key"'s value starts in json, or NULL. */
static const char *value_of(const char *json, const char *key)
{
    char pattern[80];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *at = strstr(json, pattern);
    return at == NULL ? NULL : at + strlen(pattern);
}

bool json_string(const char *json, const char *key, char *out, size_t cap)
{
    const char *v = value_of(json, key);
    if (v == NULL || *v != '"') {
        return false;
    }
    const char *end = strchr(v + 1, '"');
    if (end == NULL || (size_t)(end - v - 1) >= cap) {
        return false;
    }
    memcpy(out, v + 1, (size_t)(end - v - 1));
    out[end - v - 1] = '\0';
    return true;
}

bool json_int(const char *json, const char *key, long *out)
{
    const char *v = value_of(json, key);
    if (v == NULL || !(isdigit((unsigned char)*v) || *v == '-')) {
        return false;
    }
    char *end = NULL;
    *out = strtol(v, &end, 10);
    return end != v;
}

bool json_raw(const char *json, const char *key, char *out, size_t cap)
{
    const char *v = value_of(json, key);
    if (v == NULL) {
        return false;
    }
    size_t len;
    if (strncmp(v, "null", 4) == 0) {
        len = 4u;
    } else if (*v == '{' || *v == '[') {
        /* the vectors' strings hold no brackets, so counting them finds the end */
        int depth = 0;
        const char *p = v;
        do {
            if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                depth--;
            } else if (*p == '\0') {
                return false;
            }
            p++;
        } while (depth > 0);
        len = (size_t)(p - v);
    } else {
        return false;
    }
    if (len >= cap) {
        return false;
    }
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

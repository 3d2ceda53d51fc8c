/*
 * options.h - the command line of tens-fw-posix: the fault options of `tens simulate`
 * that make sense for a firmware on simulated hardware, checked here. A bad value is one
 * "error:" line naming the option (exit 2) and never reaches the device.
 *
 * Times are seconds since the program started (its power-on), like `tens simulate`'s,
 * stored as integer microseconds.
 */
#ifndef TC_POSIX_OPTIONS_H
#define TC_POSIX_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPT_MAX_INJECTIONS 64u
#define OPT_MAX_SECONDS 86400u
#define OPT_MAX_OVERDELIVER_PERCENT 1000u
#define OPT_ERROR_LEN 256u

/* In the order injections at the same instant run (as the simulator's). */
typedef enum {
    INJECT_LEAD_OFF,
    INJECT_LEAD_ON,
    INJECT_OVERDELIVER,
    INJECT_LOW_BATTERY,
    INJECT_INTERNAL_FAULT,
    INJECT_REBOOT,
    INJECT_UNPLUG
} inject_kind_t;

typedef struct {
    uint64_t at_us;
    inject_kind_t kind;
    uint8_t channel;  /* lead and over-delivery only */
    uint32_t percent; /* over-delivery only */
} injection_t;

typedef struct {
    uint8_t channels; /* 1..6, default 2 */
    const char *log;  /* NULL: no event log */
    bool help;
    injection_t injections[OPT_MAX_INJECTIONS];
    size_t injection_count; /* sorted by time, stable */
} options_t;

/* Parse argv; false with one line in error (no "error: " prefix) on a bad command line. */
bool options_parse(int argc, char **argv, options_t *out, char *error, size_t cap);

/* The --help text. */
const char *options_usage(void);

#endif

/*
 * options.c - parsing and checking tens-fw-posix's command line.
 */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_S 1000000u
#define MAX_CHANNELS 6u

static const char usage[] =
    "usage: tens-fw-posix [OPTIONS]\n"
    "\n"
    "The tenscontrol reference firmware (firmware/core) on simulated hardware, served on\n"
    "a new pseudo-terminal. The first line on stdout is \"port: <path>\"; open that port\n"
    "with the host. Runs until SIGINT or SIGTERM, then exits 0. IDENTITY model\n"
    "TC-REF-POSIX, flagged SIMULATOR.\n"
    "\n"
    "options (times are seconds since the start, like 2 or 2.5):\n"
    "  --lead-off CH@SECONDS          electrode lead CH comes off then (repeatable)\n"
    "  --lead-on CH@SECONDS           electrode lead CH is back then (repeatable)\n"
    "  --overdeliver CH@SECONDS:PCT   channel CH delivers PCT % more from then (repeatable)\n"
    "  --low-battery-at SECONDS       the battery goes low then (3,300 mV)\n"
    "  --internal-fault-at SECONDS    the hardware fails then (every self-test fails)\n"
    "  --reboot-at SECONDS            the device resets then (BOOT MCU_WATCHDOG, output 0)\n"
    "  --unplug-at SECONDS            the port goes away then\n"
    "  --log FILE                     JSON-lines event log (appended, created 0600)\n"
    "  --channels N                   output channels, 1 to 6 (default 2)\n"
    "  --pty                          accepted for tens simulate's command line (always a pty)\n"
    "  --help                         this text\n";

const char *options_usage(void)
{
    return usage;
}

/* Seconds as text, at most 6 decimals, at most a day -> us. */
static bool parse_seconds(const char *text, uint64_t *out_us)
{
    uint64_t whole = 0u;
    uint64_t frac = 0u;
    unsigned digits = 0u;
    unsigned frac_digits = 0u;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10u + (uint64_t)(*p - '0');
        if (++digits > 6u) {
            return false;
        }
    }
    if (digits == 0u) {
        return false;
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++frac_digits > 6u) {
                return false;
            }
            frac = frac * 10u + (uint64_t)(*p - '0');
        }
        if (frac_digits == 0u) {
            return false;
        }
    }
    if (*p != '\0' || whole > OPT_MAX_SECONDS) {
        return false;
    }
    for (unsigned i = frac_digits; i < 6u; i++) {
        frac *= 10u;
    }
    *out_us = whole * US_PER_S + frac;
    return *out_us <= (uint64_t)OPT_MAX_SECONDS * US_PER_S;
}

/* A whole number in [low, high]. */
static bool parse_uint(const char *text, unsigned long low, unsigned long high, unsigned long *out)
{
    if (*text < '0' || *text > '9' || strlen(text) > 9u) {
        return false;
    }
    char *end = NULL;
    unsigned long v = strtoul(text, &end, 10);
    if (*end != '\0' || v < low || v > high) {
        return false;
    }
    *out = v;
    return true;
}

/* "CH@SECONDS" or, with percent != NULL, "CH@SECONDS:PCT". */
static bool parse_channel_at(const char *value, uint8_t *channel, uint64_t *at_us,
                             uint32_t *percent)
{
    char buf[64];
    if (strlen(value) >= sizeof buf) {
        return false;
    }
    strcpy(buf, value);
    char *at = strchr(buf, '@');
    if (at == NULL) {
        return false;
    }
    *at = '\0';
    char *secs = at + 1;
    unsigned long ch = 0u;
    if (!parse_uint(buf, 1u, MAX_CHANNELS, &ch)) {
        return false;
    }
    if (percent != NULL) {
        char *colon = strchr(secs, ':');
        unsigned long pct = 0u;
        if (colon == NULL) {
            return false;
        }
        *colon = '\0';
        if (!parse_uint(colon + 1, 1u, OPT_MAX_OVERDELIVER_PERCENT, &pct)) {
            return false;
        }
        *percent = (uint32_t)pct;
    }
    *channel = (uint8_t)ch;
    return parse_seconds(secs, at_us);
}

typedef struct {
    const char *name; /* without the leading "--", dashes */
    bool takes_value;
    bool repeatable;
    const char *form; /* what a value looks like, for the error line */
} option_spec_t;

static const option_spec_t specs[] = {
    {"lead-off", true, true, "CH@SECONDS, e.g. 1@2.5"},
    {"lead-on", true, true, "CH@SECONDS, e.g. 1@3"},
    {"overdeliver", true, true, "CH@SECONDS:PERCENT, e.g. 1@3:50 (1-1000 %)"},
    {"low-battery-at", true, false, "SECONDS, e.g. 2.5 (at most 86400)"},
    {"internal-fault-at", true, false, "SECONDS, e.g. 2.5 (at most 86400)"},
    {"reboot-at", true, false, "SECONDS, e.g. 2.5 (at most 86400)"},
    {"unplug-at", true, false, "SECONDS, e.g. 2.5 (at most 86400)"},
    {"log", true, false, "a file name"},
    {"channels", true, false, "a whole number 1 to 6"},
    {"pty", false, false, ""},
    {"help", false, false, ""},
};

#define SPEC_COUNT (sizeof specs / sizeof specs[0])

/* The spec of "--name" (underscores read as dashes), or NULL. */
static const option_spec_t *find_spec(const char *arg, size_t name_len)
{
    char name[32];
    if (name_len >= sizeof name) {
        return NULL;
    }
    for (size_t i = 0u; i < name_len; i++) {
        name[i] = arg[i] == '_' ? '-' : arg[i];
    }
    name[name_len] = '\0';
    for (size_t i = 0u; i < SPEC_COUNT; i++) {
        if (strcmp(specs[i].name, name) == 0) {
            return &specs[i];
        }
    }
    return NULL;
}

static bool add(options_t *out, injection_t item)
{
    if (out->injection_count >= OPT_MAX_INJECTIONS) {
        return false;
    }
    out->injections[out->injection_count++] = item;
    return true;
}

static bool apply(options_t *out, const option_spec_t *spec, const char *value)
{
    injection_t item = {0u, INJECT_LEAD_OFF, 0u, 0u};
    const char *n = spec->name;
    if (strcmp(n, "lead-off") == 0 || strcmp(n, "lead-on") == 0) {
        item.kind = strcmp(n, "lead-off") == 0 ? INJECT_LEAD_OFF : INJECT_LEAD_ON;
        return parse_channel_at(value, &item.channel, &item.at_us, NULL) && add(out, item);
    }
    if (strcmp(n, "overdeliver") == 0) {
        item.kind = INJECT_OVERDELIVER;
        return parse_channel_at(value, &item.channel, &item.at_us, &item.percent) &&
               add(out, item);
    }
    static const struct {
        const char *name;
        inject_kind_t kind;
    } singles[] = {{"low-battery-at", INJECT_LOW_BATTERY},
                   {"internal-fault-at", INJECT_INTERNAL_FAULT},
                   {"reboot-at", INJECT_REBOOT},
                   {"unplug-at", INJECT_UNPLUG}};
    for (size_t i = 0u; i < sizeof singles / sizeof singles[0]; i++) {
        if (strcmp(n, singles[i].name) == 0) {
            item.kind = singles[i].kind;
            return parse_seconds(value, &item.at_us) && add(out, item);
        }
    }
    if (strcmp(n, "log") == 0) {
        out->log = value;
        return value[0] != '\0';
    }
    if (strcmp(n, "channels") == 0) {
        unsigned long ch = 0u;
        if (!parse_uint(value, 1u, MAX_CHANNELS, &ch)) {
            return false;
        }
        out->channels = (uint8_t)ch;
        return true;
    }
    if (strcmp(n, "help") == 0) {
        out->help = true;
    }
    return true; /* --pty */
}

/* Stable sort by time, so same-instant items keep the order of inject_kind_t's listing. */
static void sort_injections(options_t *out)
{
    /* group by kind first (in the enum's order), then a stable insertion sort by time */
    injection_t sorted[OPT_MAX_INJECTIONS];
    size_t n = 0u;
    for (int kind = INJECT_LEAD_OFF; kind <= INJECT_UNPLUG; kind++) {
        for (size_t i = 0u; i < out->injection_count; i++) {
            bool lead = out->injections[i].kind == INJECT_LEAD_OFF ||
                        out->injections[i].kind == INJECT_LEAD_ON;
            /* lead changes keep the order they were given in, off and on alike */
            if ((lead && kind == INJECT_LEAD_OFF) ||
                (!lead && (int)out->injections[i].kind == kind)) {
                sorted[n++] = out->injections[i];
            }
        }
    }
    for (size_t i = 1u; i < n; i++) {
        injection_t item = sorted[i];
        size_t j = i;
        while (j > 0u && sorted[j - 1u].at_us > item.at_us) {
            sorted[j] = sorted[j - 1u];
            j--;
        }
        sorted[j] = item;
    }
    memcpy(out->injections, sorted, n * sizeof sorted[0]);
}

bool options_parse(int argc, char **argv, options_t *out, char *error, size_t cap)
{
    memset(out, 0, sizeof *out);
    out->channels = 2u;
    bool seen[SPEC_COUNT] = {false};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(error, cap, "unexpected argument %.60s (options start with --)", arg);
            return false;
        }
        arg += 2;
        const char *eq = strchr(arg, '=');
        size_t name_len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        const option_spec_t *spec = find_spec(arg, name_len);
        if (spec == NULL) {
            int shown = (int)(name_len > 40u ? 40u : name_len);
            snprintf(error, cap, "unknown option --%.*s (see --help)", shown, arg);
            return false;
        }
        size_t index = (size_t)(spec - specs);
        if (seen[index] && !spec->repeatable) {
            snprintf(error, cap, "option --%s given twice", spec->name);
            return false;
        }
        seen[index] = true;
        const char *value = "";
        if (spec->takes_value) {
            if (eq != NULL) {
                value = eq + 1;
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                snprintf(error, cap, "option --%s needs a value: %s", spec->name, spec->form);
                return false;
            }
        } else if (eq != NULL) {
            snprintf(error, cap, "option --%s takes no value", spec->name);
            return false;
        }
        if (!apply(out, spec, value)) {
            snprintf(error, cap, "option --%s=%.60s: expected %s", spec->name, value, spec->form);
            return false;
        }
    }
    for (size_t i = 0u; i < out->injection_count; i++) {
        const injection_t *item = &out->injections[i];
        bool named = item->kind == INJECT_LEAD_OFF || item->kind == INJECT_LEAD_ON ||
                     item->kind == INJECT_OVERDELIVER;
        if (named && item->channel > out->channels) {
            snprintf(error, cap, "an option names channel %u, but the device has %u (--channels)",
                     item->channel, out->channels);
            return false;
        }
    }
    sort_injections(out);
    return true;
}

/*
 * eventlog.h - the simulator's event log format (src/tenscontrol/sim/eventlog.py), one
 * JSON object per line: "t" (Unix time, seconds), "mono" (CLOCK_MONOTONIC seconds, the
 * survival tests' clock), "event", then the event's fields. Each line is one write(2).
 *
 * The file is appended to, never truncated; a new one is created 0600. It is refused when
 * it is a link, not a regular file, another user's, hard-linked elsewhere, readable by
 * others, or not already an event log (hazard 17's rules for files the product writes).
 */
#ifndef TC_POSIX_EVENTLOG_H
#define TC_POSIX_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Open path for appending; false with a reason in error (cap bytes) when refused. */
bool eventlog_open(const char *path, char *error, size_t cap);

/* Stamp events from now on: offset of CLOCK_REALTIME over CLOCK_MONOTONIC, us. */
void eventlog_set_wall_offset(int64_t offset_us);

/* One line: the event at monotonic time at_us with fields (already JSON: `"a": 1, ...`,
 * or "" for none). Nothing happens while no log is open. */
void eventlog_write(uint64_t at_us, const char *event, const char *fields);

void eventlog_close(void);

#endif

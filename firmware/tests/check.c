/*
 * check.c - the runner behind check.h.
 */
#include "check.h"

#include <stdio.h>

static unsigned passed;
static unsigned failed;
static unsigned failures_in_test;
static const char *current = "(none)";

static void note(void)
{
    if (failures_in_test == 0u) {
        printf("FAIL %s\n", current);
    }
    failures_in_test++;
}

void check_fail(const char *file, int line, const char *what)
{
    note();
    if (failures_in_test <= 10u) {
        printf("  %s:%d: %s\n", file, line, what);
    }
}

void check_fail_eq(const char *file, int line, const char *a, const char *b,
                   unsigned long long va, unsigned long long vb)
{
    note();
    if (failures_in_test <= 10u) {
        printf("  %s:%d: %s == %s: %llu != %llu\n", file, line, a, b, va, vb);
    }
}

void run_test(const char *name, test_fn fn)
{
    current = name;
    failures_in_test = 0u;
    fn();
    if (failures_in_test == 0u) {
        passed++;
    } else {
        failed++;
    }
}

bool check_summary(void)
{
    printf("%u passed, %u failed\n", passed, failed);
    return failed == 0u;
}

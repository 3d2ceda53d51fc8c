/*
 * main.c - the unit tests' runner: fw-tests PATH/TO/firmware_protocol.md
 *
 * Runs every suite and prints a closing "N passed, N failed" line; exits 1 on a failure.
 */
#include <stdio.h>

#include "check.h"
#include "suites.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH/TO/firmware_protocol.md\n", argv[0]);
        return 2;
    }
    suite_framing();
    suite_codec();
    suite_time();
    suite_checks();
    suite_requests();
    suite_start();
    suite_safety();
    suite_faults();
    suite_telemetry();
    suite_fuzz();
    suite_mutants();
    suite_vectors(argv[1]);
    return check_summary() ? 0 : 1;
}

/*
 * suites.h - every suite of the unit tests (main.c runs them in this order).
 */
#ifndef TC_TEST_SUITES_H
#define TC_TEST_SUITES_H

void suite_framing(void);
void suite_codec(void);
void suite_time(void);
void suite_requests(void);
void suite_start(void);
void suite_checks(void);
void suite_safety(void);
void suite_faults(void);
void suite_telemetry(void);
void suite_fuzz(void);
void suite_mutants(void);
/* The spec's vectors, read out of the document at path. */
void suite_vectors(const char *spec_path);

#endif

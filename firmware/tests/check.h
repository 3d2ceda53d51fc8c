/*
 * check.h - a plain test runner: RUN(test) runs one test function, CHECK and CHECK_EQ
 * record a failure (file, line, expression, values) and let the test go on. The runner
 * prints a line per failing test and a closing "N passed, N failed" line.
 */
#ifndef TC_TEST_CHECK_H
#define TC_TEST_CHECK_H

#include <stdbool.h>

typedef void (*test_fn)(void);

void check_fail(const char *file, int line, const char *what);
void check_fail_eq(const char *file, int line, const char *a, const char *b,
                   unsigned long long va, unsigned long long vb);
void run_test(const char *name, test_fn fn);
/* Tests run and failed so far; true when none failed. */
bool check_summary(void);

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            check_fail(__FILE__, __LINE__, #cond);                                        \
        }                                                                                 \
    } while (0)

#define CHECK_EQ(a, b)                                                                    \
    do {                                                                                  \
        unsigned long long check_a_ = (unsigned long long)(a);                            \
        unsigned long long check_b_ = (unsigned long long)(b);                            \
        if (check_a_ != check_b_) {                                                       \
            check_fail_eq(__FILE__, __LINE__, #a, #b, check_a_, check_b_);                \
        }                                                                                 \
    } while (0)

#define RUN(fn) run_test(#fn, fn)

#endif

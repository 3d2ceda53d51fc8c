/*
 * test_time.c - the time base (wrap-safe comparisons, the 32-bit counter extension), the
 * slew's exact integer ramp, and the over-delivery bound and timer (sections 6 and 7).
 */
#include "check.h"
#include "limits.h"
#include "slew.h"
#include "suites.h"
#include "timebase.h"

static void test_counter_extension_across_the_32_bit_wrap(void)
{
    tc_counter_ext_t ext;
    tc_counter_init(&ext, 0xFFFFFF00u);
    CHECK_EQ(tc_counter_extend(&ext, 0xFFFFFF00u), 0xFFFFFF00u);
    CHECK_EQ(tc_counter_extend(&ext, 0xFFFFFFFFu), 0xFFFFFFFFu);
    CHECK_EQ(tc_counter_extend(&ext, 0x00000000u), 0x100000000u);
    CHECK_EQ(tc_counter_extend(&ext, 0x00000010u), 0x100000010u);
    CHECK_EQ(tc_counter_extend(&ext, 0x00000010u), 0x100000010u); /* same reading: no wrap */
    /* many wraps, read four times per period: the extended value never goes back */
    uint64_t previous = 0x100000010u;
    uint32_t raw = 0x10u;
    for (unsigned i = 0u; i < 4000u; i++) {
        raw += 0x3FFFFFFFu;
        uint64_t value = tc_counter_extend(&ext, raw);
        CHECK(value > previous);
        CHECK_EQ(value - previous, 0x3FFFFFFFu);
        previous = value;
    }
    /* 0x10 + 4000 x 0x3FFFFFFF = 1000 x 2^32 - 3984: 999 more wraps */
    CHECK_EQ(ext.wraps, 1000u);
}

static void test_reached_is_wrap_safe(void)
{
    uint64_t near_end = 0xFFFFFFFFFFFFFF00u;
    CHECK(tc_time_reached(near_end, near_end));
    CHECK(!tc_time_reached(near_end, near_end + 1u));
    CHECK(tc_time_reached(near_end + 0x200u, near_end + 0x100u)); /* both past the u64 wrap */
    CHECK(tc_time_reached(near_end + 0x200u, near_end));           /* now wrapped, due not */
    CHECK(!tc_time_reached(near_end, near_end + 0x200u));
    CHECK_EQ(tc_time_later(near_end, near_end + 5u), near_end + 5u);
}

/* A small deterministic generator for irregular step lengths. */
static uint32_t lcg(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static void test_slew_long_ramp_is_exact_at_every_step(void)
{
    tc_ramp_t ramp;
    uint64_t t0 = 123456789u;
    tc_ramp_reset(&ramp, t0);
    uint32_t seed = 7u;
    uint64_t t = t0;
    const uint32_t slew = 20000u;
    const uint32_t target = 80000u;
    unsigned steps = 0u;
    while (ramp.output_ua < target && steps < 100000u) {
        t += 1u + lcg(&seed) % 7000u; /* 1 us .. 7 ms, irregular */
        uint32_t out = tc_ramp_advance(&ramp, target, slew, t);
        uint64_t exact = (t - t0) * slew / 1000000u;
        CHECK_EQ(out, exact < target ? exact : target);
        steps++;
    }
    CHECK(steps > 1000u);
    /* 80 mA at 20 mA/s: reached at exactly 4 s, not one step earlier */
    CHECK(t - t0 >= 4000000u);
    CHECK_EQ(ramp.remainder, 0u);
}

static void test_slew_raised_target_mid_ramp_does_not_drift(void)
{
    /* a soft start: the host raises the target every 100 ms, faster than the slew allows */
    tc_ramp_t ramp;
    tc_ramp_reset(&ramp, 0u);
    uint32_t target = 0u;
    for (uint64_t t = 0u; t <= 3000000u; t += 333u) {
        if (t % 100000u < 333u) {
            target += 3000u;
        }
        uint32_t out = tc_ramp_advance(&ramp, target, 20000u, t);
        uint64_t exact = t * 20000u / 1000000u;
        CHECK(out <= target);
        if (exact < target) {
            CHECK_EQ(out, exact); /* still rising at the slew: floor(slew * t), no drift */
        }
    }
}

static void test_slew_drop_is_immediate_and_rise_restarts(void)
{
    tc_ramp_t ramp;
    tc_ramp_reset(&ramp, 0u);
    CHECK_EQ(tc_ramp_advance(&ramp, 5000u, 20000u, 1000000u), 5000u);
    tc_ramp_drop(&ramp, 1000u);
    CHECK_EQ(ramp.output_ua, 1000u);
    /* at the target, nothing is carried: the next rise counts from its own start */
    CHECK_EQ(tc_ramp_advance(&ramp, 1000u, 20000u, 2000000u), 1000u);
    CHECK_EQ(tc_ramp_advance(&ramp, 9000u, 20000u, 2000049u), 1000u); /* 0.98 uA: not yet */
    CHECK_EQ(tc_ramp_advance(&ramp, 9000u, 20000u, 2000050u), 1001u);
    /* time that runs back changes nothing */
    CHECK_EQ(tc_ramp_advance(&ramp, 9000u, 20000u, 1000u), 1001u);
    /* a very long step reaches the target without overflow */
    CHECK_EQ(tc_ramp_advance(&ramp, 9000u, 20000u, 0xFFFFFFFFFFFFu), 9000u);
}

static void test_allowance_is_integer_and_capped(void)
{
    CHECK_EQ(tc_over_allowance_ua(0u), 0u);
    CHECK_EQ(tc_over_allowance_ua(4u), 0u); /* 4 * 20 // 100 */
    CHECK_EQ(tc_over_allowance_ua(9999u), 1999u);
    CHECK_EQ(tc_over_allowance_ua(10000u), 2000u);
    CHECK_EQ(tc_over_allowance_ua(80000u), 2000u);
    CHECK_EQ(tc_over_allowance_ua(0xFFFFFFFFu), 2000u);
}

static void test_over_is_strictly_above_the_bound(void)
{
    CHECK(tc_is_over(24000u, 20000u)); /* 20 % would be 4000, the cap is 2000 */
    CHECK(!tc_is_over(22000u, 20000u)); /* exactly at the bound: not over */
    CHECK(tc_is_over(22001u, 20000u));
    CHECK(!tc_is_over(1200u, 1000u));
    CHECK(tc_is_over(1201u, 1000u));
    CHECK(tc_is_over(1u, 0u)); /* setpoint 0: anything is over */
    CHECK(!tc_is_over(0u, 0u));
    CHECK(!tc_is_over(0xFFFFFFFFu, 0xFFFFFFFFu)); /* widened: no wrap */
}

static void test_over_timer_trips_after_more_than_200_ms(void)
{
    tc_over_timer_t timer;
    tc_over_reset(&timer);
    CHECK(!tc_over_update(&timer, true, 1000u));
    CHECK_EQ(tc_over_due_us(&timer), 1000u + 200000u + 1u);
    CHECK(!tc_over_update(&timer, true, 1000u + 200000u)); /* exactly 200 ms: not more */
    CHECK(tc_over_update(&timer, true, 1000u + 200001u));
    /* a measurement that is not over restarts the count */
    tc_over_reset(&timer);
    CHECK(!tc_over_update(&timer, true, 0u));
    CHECK(!tc_over_update(&timer, true, 150000u));
    CHECK(!tc_over_update(&timer, false, 160000u));
    CHECK(!tc_over_update(&timer, true, 170000u));
    CHECK(!tc_over_update(&timer, true, 370000u));
    CHECK(tc_over_update(&timer, true, 370001u));
}

void suite_time(void)
{
    RUN(test_counter_extension_across_the_32_bit_wrap);
    RUN(test_reached_is_wrap_safe);
    RUN(test_slew_long_ramp_is_exact_at_every_step);
    RUN(test_slew_raised_target_mid_ramp_does_not_drift);
    RUN(test_slew_drop_is_immediate_and_rise_restarts);
    RUN(test_allowance_is_integer_and_capped);
    RUN(test_over_is_strictly_above_the_bound);
    RUN(test_over_timer_trips_after_more_than_200_ms);
}

/*
 * test_checks.c - START's and SET's refusal tables (sections 4.3, 4.5): every row, and
 * the order when several rows fail at once (the first one answers).
 */
#include "check.h"
#include "checks.h"
#include "suites.h"

static const tc_caps_t caps = {80000u, 1000u, 150000u, 50u, 300u, 3u, 3u, 1000u, 5000u, 2u, 15u};

static tc_set_context_t running(void)
{
    tc_set_context_t ctx = {true, 2u, 0x03u, 0x00u, &caps};
    return ctx;
}

static tc_setpoint_t good(void)
{
    tc_setpoint_t set = {1u, 20000u, 80000u, 180u, 0u, 0u, 0u, 0u};
    return set;
}

static tc_setpoint_t good_burst(void)
{
    tc_setpoint_t set = {2u, 15500u, 100000u, 200u, 1u, 1u, 2000u, 7u};
    return set;
}

#define CHECK_REFUSAL(r, c, f)                                                            \
    do {                                                                                  \
        tc_refusal_t got_ = (r);                                                          \
        CHECK_EQ(got_.code, (c));                                                         \
        CHECK_EQ(got_.field, (f));                                                        \
    } while (0)

static void test_set_accepts_the_spec_vectors(void)
{
    tc_set_context_t ctx = running();
    tc_setpoint_t a = good();
    tc_setpoint_t b = good_burst();
    CHECK_REFUSAL(tc_check_set(&a, &ctx), 0u, 0u);
    CHECK_REFUSAL(tc_check_set(&b, &ctx), 0u, 0u);
}

static void test_set_rows_in_order(void)
{
    tc_set_context_t ctx = running();
    tc_setpoint_t s = good();
    /* row 1: IDLE answers BAD_STATE whatever else is wrong */
    ctx.running = false;
    s.channel = 9u;
    s.amplitude_ua = 90000u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_BAD_STATE, 0u);
    /* row 2: no such channel */
    ctx = running();
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_BAD_CHANNEL, 1u);
    s.channel = 0u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_BAD_CHANNEL, 1u);
    /* row 3: not started */
    s = good();
    ctx.enabled_mask = 0x02u;
    s.amplitude_ua = 90000u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_BAD_STATE, 0u);
    /* row 4: a latched fault on the channel, amplitude above 0 */
    ctx = running();
    ctx.faulted_mask = 0x01u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_FAULT_LATCHED, 0u);
    /* ... at amplitude 0 the rest of the table still applies */
    s.amplitude_ua = 0u;
    s.rate_mhz = 1u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 3u);
    s = good();
    s.amplitude_ua = 0u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), 0u, 0u);
}

static void test_set_field_rows(void)
{
    tc_set_context_t ctx = running();
    tc_setpoint_t s = good();
    s.amplitude_ua = 80001u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 2u);
    s.amplitude_ua = 80000u; /* at the limit: accepted, never clamped */
    CHECK_REFUSAL(tc_check_set(&s, &ctx), 0u, 0u);
    s.rate_mhz = 999u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 3u);
    s.rate_mhz = 150001u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 3u);
    s = good();
    s.phase_width_us = 49u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 4u);
    s.phase_width_us = 301u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 4u);
    s = good();
    s.waveform = 2u; /* unknown */
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 5u);
    s.waveform = 255u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 5u);
    tc_caps_t symmetric_only = caps;
    symmetric_only.waveforms = 1u;
    symmetric_only.patterns = 1u;
    ctx.caps = &symmetric_only;
    s.waveform = 1u; /* known, not in the mask */
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 5u);
    s.waveform = 0u;
    s.pattern = 1u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 6u);
    ctx.caps = &caps;
    s.pattern = 7u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 6u);
    /* continuous: burst fields must be 0 */
    s = good();
    s.burst_rate_mhz = 1000u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 7u);
    s.burst_rate_mhz = 0u;
    s.pulses_per_burst = 1u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 8u);
}

static void test_set_burst_rows(void)
{
    tc_set_context_t ctx = running();
    tc_setpoint_t s = good_burst();
    s.burst_rate_mhz = 999u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 7u);
    s.burst_rate_mhz = 5001u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 7u);
    s = good_burst();
    s.pulses_per_burst = 1u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 8u);
    s.pulses_per_burst = 16u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 8u);
    /* a train as long as its period: 10 pulses at 20 Hz fill 0.5 s, 2 trains/s */
    s = good_burst();
    s.rate_mhz = 20000u;
    s.pulses_per_burst = 10u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), TC_NAK_OUT_OF_RANGE, 8u);
    s.pulses_per_burst = 9u;
    CHECK_REFUSAL(tc_check_set(&s, &ctx), 0u, 0u);
}

static void test_start_fields(void)
{
    tc_start_t s = {0x03u, 500u};
    CHECK_REFUSAL(tc_check_start_fields(&s, 2u, 100u, 1000u), 0u, 0u);
    s.watchdog_ms = 0u; /* the default */
    CHECK_REFUSAL(tc_check_start_fields(&s, 2u, 100u, 1000u), 0u, 0u);
    s.channel_mask = 0u;
    s.watchdog_ms = 50u; /* V23: two faults, the mask answers */
    CHECK_REFUSAL(tc_check_start_fields(&s, 2u, 100u, 1000u), TC_NAK_BAD_CHANNEL, 1u);
    s.channel_mask = 0x04u;
    CHECK_REFUSAL(tc_check_start_fields(&s, 2u, 100u, 1000u), TC_NAK_BAD_CHANNEL, 1u);
    s.channel_mask = 0x20u;
    CHECK_REFUSAL(tc_check_start_fields(&s, 6u, 100u, 1000u), TC_NAK_OUT_OF_RANGE, 2u);
    s.channel_mask = 0x40u;
    CHECK_REFUSAL(tc_check_start_fields(&s, 6u, 100u, 1000u), TC_NAK_BAD_CHANNEL, 1u);
    s.channel_mask = 0x01u;
    s.watchdog_ms = 99u;
    CHECK_REFUSAL(tc_check_start_fields(&s, 2u, 100u, 1000u), TC_NAK_OUT_OF_RANGE, 2u);
    s.watchdog_ms = 1001u;
    CHECK_REFUSAL(tc_check_start_fields(&s, 2u, 100u, 1000u), TC_NAK_OUT_OF_RANGE, 2u);
    s.watchdog_ms = 100u;
    CHECK_REFUSAL(tc_check_start_fields(&s, 2u, 100u, 1000u), 0u, 0u);
}

static void test_start_conditions(void)
{
    tc_start_t s = {0x01u, 500u};
    CHECK_REFUSAL(tc_check_start_conditions(&s, 3600u, 3600u, 0u), 0u, 0u);
    CHECK_REFUSAL(tc_check_start_conditions(&s, 3599u, 3600u, 0x01u), TC_NAK_LOW_BATTERY, 0u);
    CHECK_REFUSAL(tc_check_start_conditions(&s, 0u, 3600u, 0u), 0u, 0u); /* mains powered */
    CHECK_REFUSAL(tc_check_start_conditions(&s, 3950u, 3600u, 0x01u), TC_NAK_LEAD_OFF, 1u);
    CHECK_REFUSAL(tc_check_start_conditions(&s, 3950u, 3600u, 0x02u), 0u, 0u); /* not masked */
}

void suite_checks(void)
{
    RUN(test_set_accepts_the_spec_vectors);
    RUN(test_set_rows_in_order);
    RUN(test_set_field_rows);
    RUN(test_set_burst_rows);
    RUN(test_start_fields);
    RUN(test_start_conditions);
}

/*
 * test_mutants.c - the edges that mutation testing (tools/c_mutation.py) found no other
 * test pinning: the slew's remainder and its longest exact step, the refusal tables at
 * their bounds, the time base at half its range, what reset, START and STOP set, the
 * levels at which battery, over-current and the self-test act, the fields of every event
 * and of IDENTITY. docs/c_mutation.md lists the mutants no test can tell apart.
 */
#include <string.h>

#include "check.h"
#include "checks.h"
#include "fake_hal.h"
#include "host.h"
#include "slew.h"
#include "suites.h"
#include "timebase.h"

static tc_core_t core;
static frame_t answer;

#define T0 5000000u /* the tests' reset instant, us */
#define EXACT_STEP_US 0x10000000000u /* slew.c's longest step computed exactly: 2^40 us */

/* A ramp 5,000 uA up at 20 mA/s, 10 us into its next microampere: 200,000 carried. */
static tc_ramp_t ramp_mid_way(void)
{
    tc_ramp_t ramp;
    tc_ramp_reset(&ramp, 0u);
    CHECK_EQ(tc_ramp_advance(&ramp, 9000u, 20000u, 250010u), 5000u);
    CHECK_EQ(ramp.remainder, 200000u);
    return ramp;
}

static void test_slew_carries_nothing_past_its_target(void)
{
    /* a target met or passed carries nothing, so a later rise starts afresh */
    tc_ramp_t ramp = ramp_mid_way();
    CHECK_EQ(tc_ramp_advance(&ramp, 5000u, 20000u, 250010u), 5000u);
    CHECK_EQ(ramp.remainder, 0u);
    CHECK_EQ(tc_ramp_advance(&ramp, 9000u, 20000u, 250050u), 5000u); /* 0.8 uA: not yet */
    /* a rise that lands exactly on its target, with a fraction left over */
    tc_ramp_reset(&ramp, 0u);
    CHECK_EQ(tc_ramp_advance(&ramp, 1000u, 20000u, 50001u), 1000u); /* 1000.02 uA */
    CHECK_EQ(ramp.remainder, 0u);
    /* a drop below the output */
    ramp = ramp_mid_way();
    tc_ramp_drop(&ramp, 3000u);
    CHECK_EQ(ramp.output_ua, 3000u);
    CHECK_EQ(ramp.remainder, 0u);
    /* a drop to the output itself is no drop: the ramp goes on without drift */
    ramp = ramp_mid_way();
    tc_ramp_drop(&ramp, 5000u);
    CHECK_EQ(ramp.remainder, 200000u);
    CHECK_EQ(tc_ramp_advance(&ramp, 9000u, 20000u, 250050u), 5001u); /* 20 mA/s x 250.05 ms */
    /* a step too long to compute exactly reaches the target and carries nothing */
    ramp = ramp_mid_way();
    CHECK_EQ(tc_ramp_advance(&ramp, 9000u, 20000u, 250010u + EXACT_STEP_US + 1u), 9000u);
    CHECK_EQ(ramp.remainder, 0u);
}

static void test_slew_reset_carries_nothing(void)
{
    /* at 1 uA/s the first microampere takes exactly 1 s */
    tc_ramp_t ramp;
    tc_ramp_reset(&ramp, 0u);
    CHECK_EQ(tc_ramp_advance(&ramp, 10u, 1u, 999999u), 0u);
    CHECK_EQ(tc_ramp_advance(&ramp, 10u, 1u, 1000000u), 1u);
}

static void test_slew_longest_exact_step(void)
{
    /* up to 2^40 us the rise is computed (1 uA/s: 1,099,511 uA); a longer step jumps to
     * the target. A target above 1.1 A shows where the rule changes. */
    const uint32_t far = 0xFFFFFFFFu;
    tc_ramp_t ramp;
    tc_ramp_reset(&ramp, 0u);
    CHECK_EQ(tc_ramp_advance(&ramp, far, 1u, EXACT_STEP_US), 1099511u);
    tc_ramp_reset(&ramp, 0u);
    CHECK_EQ(tc_ramp_advance(&ramp, far, 1u, EXACT_STEP_US + 1u), far);
}

static const tc_caps_t caps = {80000u, 1000u, 150000u, 50u, 300u, 3u, 3u, 1000u, 5000u, 2u, 15u};

static tc_refusal_t check_set(const tc_setpoint_t *set, const tc_caps_t *with)
{
    tc_set_context_t ctx = {true, 2u, 0x03u, 0x00u, with};
    return tc_check_set(set, &ctx);
}

static void test_set_accepts_every_bound_itself(void)
{
    tc_setpoint_t low = {1u, 1u, 1000u, 50u, 0u, 0u, 0u, 0u};
    CHECK_EQ(check_set(&low, &caps).code, 0u);
    tc_setpoint_t high = {1u, 80000u, 150000u, 300u, 1u, 0u, 0u, 0u};
    CHECK_EQ(check_set(&high, &caps).code, 0u);
    tc_setpoint_t burst_low = {1u, 1u, 100000u, 50u, 0u, 1u, 1000u, 2u};
    CHECK_EQ(check_set(&burst_low, &caps).code, 0u);
    tc_setpoint_t burst_high = {1u, 1u, 100000u, 50u, 0u, 1u, 5000u, 15u};
    CHECK_EQ(check_set(&burst_high, &caps).code, 0u);
}

static void test_set_refuses_unknown_shapes_whatever_the_caps_claim(void)
{
    /* a mask with bits above the known waveforms and patterns does not make them known */
    tc_caps_t claims_all = caps;
    claims_all.waveforms = 0xFFu;
    claims_all.patterns = 0xFFu;
    tc_setpoint_t s = {1u, 1000u, 80000u, 180u, 2u, 0u, 0u, 0u};
    tc_refusal_t r = check_set(&s, &claims_all);
    CHECK_EQ(r.code, TC_NAK_OUT_OF_RANGE);
    CHECK_EQ(r.field, 5u);
    s.waveform = 0u;
    s.pattern = 2u;
    r = check_set(&s, &claims_all);
    CHECK_EQ(r.code, TC_NAK_OUT_OF_RANGE);
    CHECK_EQ(r.field, 6u);
}

static void test_time_reached_at_half_the_range(void)
{
    CHECK(tc_time_reached(0x7FFFFFFFFFFFFFFFu, 0u)); /* just under half behind: past */
    CHECK(!tc_time_reached(0x8000000000000000u, 0u)); /* half: counts as the future */
    CHECK(tc_time_reached(5u, 0x8000000000000006u));
    CHECK(!tc_time_reached(5u, 0x8000000000000005u));
}

static void test_counter_init_forgets_what_was_there(void)
{
    tc_counter_ext_t ext;
    memset(&ext, 0xA5, sizeof ext);
    tc_counter_init(&ext, 0x10u);
    CHECK_EQ(ext.wraps, 0u);
    CHECK_EQ(tc_counter_extend(&ext, 0x20u), 0x20u);
}

static void test_reset_state_of_every_channel(void)
{
    /* leads off on the first and the last channel at reset: latched at once, without a
     * LEAD event (nothing changed); the other channel clean, setpoints 0 */
    fake_reset();
    fake.lead_off[1] = true;
    fake.lead_off[3] = true;
    tc_config_t config = {3u, TC_BOOT_POWER_ON, false};
    CHECK(tc_core_init(&core, &config, T0));
    CHECK_EQ(fake_count_events(TC_EV_LEAD), 0u);
    CHECK_EQ(core.channels[0].faults, TC_FAULT_LEAD_OFF);
    CHECK_EQ(core.channels[1].faults, 0u);
    CHECK_EQ(core.channels[2].faults, TC_FAULT_LEAD_OFF);
    CHECK_EQ(core.channels[0].impedance_ohm, TC_IMPEDANCE_OPEN);
    /* healthy: nothing latched, nothing set */
    fake_reset();
    config.channel_count = 2u;
    CHECK(tc_core_init(&core, &config, T0));
    CHECK_EQ(tc_core_all_faults(&core), 0u);
    for (uint8_t n = 0u; n < 2u; n++) {
        CHECK_EQ(core.channels[n].setpoint_ua, 0u);
        CHECK_EQ(core.channels[n].faults, 0u);
    }
    tc_telemetry_t tm;
    fake_clear_log();
    run_until(&core, T0 + 50000u);
    CHECK(telemetry_frames(&tm) >= 1u);
    CHECK_EQ(tm.faults, 0u);
    CHECK_EQ(tm.channels[0].setpoint_ua, 0u);
    CHECK_EQ(tm.channels[1].setpoint_ua, 0u);
}

static void test_start_of_a_running_channel_begins_again_at_zero(void)
{
    fake_reset();
    device_running(&core, 1u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 2000u);
    run_until(&core, T0 + 200000u);
    CHECK_EQ(fake.driven_ua[1], 2000u);
    host_start(&core, T0 + 200000u, 3u, 0x01u, 1000u);
    CHECK_EQ(fake.driven_ua[1], 0u); /* the hardware too, at once */
    CHECK_EQ(core.channels[0].setpoint_ua, 0u);
    run_until(&core, T0 + 500000u);
    CHECK_EQ(fake.driven_ua[1], 0u); /* and no rise without a new SET */
}

static void test_start_restarts_the_over_delivery_count(void)
{
    /* a channel whose gate lets current through while the core drives it to 0: over from
     * T0; a START at T0 + 150 ms starts the count again, so nothing trips at T0 + 200 ms */
    fake_reset();
    device_running(&core, 1u, T0, 1000u);
    fake.enabled[1] = false;
    fake.leak_ua[1] = 500u;
    tc_core_poll(&core, T0);
    CHECK(core.channels[0].over.active);
    host_start(&core, T0 + 150000u, 2u, 0x01u, 1000u);
    fake.enabled[1] = false; /* the gate still does not follow */
    run_until(&core, T0 + 340000u);
    CHECK_EQ(core.channels[0].faults, 0u);
    run_until(&core, T0 + 400000u);
    CHECK(core.channels[0].faults & TC_FAULT_OVER_DELIVERY);
}

static void test_set_needs_its_own_channel_started(void)
{
    /* only channel 2 started: channel 1 is refused */
    fake_reset();
    device_boot(&core, 2u, T0);
    host_start(&core, T0, 1u, 0x02u, 1000u);
    fake_clear_log();
    host_set_amp(&core, T0 + 1000u, 2u, 1u, 1000u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_STATE, 0u));
    /* STOP disables every channel: a START of channel 1 leaves channel 2 refused */
    host_stop(&core, T0 + 2000u, 3u);
    host_start(&core, T0 + 3000u, 4u, 0x01u, 1000u);
    fake_clear_log();
    host_set_amp(&core, T0 + 4000u, 5u, 2u, 1000u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_STATE, 0u));
    CHECK(!core.channels[1].enabled);
}

static void test_faulted_or_stopped_channel_stays_at_zero_whatever_its_setpoint(void)
{
    /* a corrupted setpoint on a channel that is faulted, or not started, raises nothing */
    fake_reset();
    device_boot(&core, 2u, T0);
    host_start(&core, T0, 1u, 0x01u, 1000u);
    fake.lead_off[1] = true;
    tc_core_poll(&core, T0 + 1000u);
    CHECK(core.channels[0].enabled && core.channels[0].faults != 0u);
    core.channels[0].setpoint_ua = 5000u;
    core.channels[1].setpoint_ua = 5000u;
    run_until(&core, T0 + 300000u);
    CHECK_EQ(core.channels[0].ramp.output_ua, 0u);
    CHECK_EQ(core.channels[1].ramp.output_ua, 0u);
    CHECK_EQ(fake.driven_ua[1] + fake.driven_ua[2], 0u);
}

static void test_battery_levels_exactly(void)
{
    fake_reset();
    device_running(&core, 1u, T0, 1000u);
    fake.battery_mv = 3400u; /* the sustain level itself sustains */
    run_until(&core, T0 + 100000u);
    CHECK_EQ(core.device_faults, 0u);
    host_stop(&core, T0 + 100000u, 2u);
    fake.battery_mv = 3599u; /* one below the restart level: refused */
    fake_clear_log();
    host_start(&core, T0 + 200000u, 3u, 0x01u, 1000u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_LOW_BATTERY, 0u));
}

static void test_ceiling_itself_is_allowed(void)
{
    /* 80,000 uA delivered is no over-current, and START's self-test accepts it */
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 80000u);
    for (uint64_t t = T0; t <= T0 + 4200000u; t += 200000u) {
        host_heartbeat(&core, t, 3u);
        run_until(&core, t);
    }
    CHECK_EQ(fake.driven_ua[1], 80000u);
    CHECK_EQ(core.channels[0].faults, 0u);
    fake_clear_log();
    host_start(&core, T0 + 4200000u, 4u, 0x02u, 1000u);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_START));
    fake.extra_ua[1] = 1u; /* one above: at once */
    tc_core_poll(&core, T0 + 4201000u);
    CHECK(core.channels[0].faults & TC_FAULT_OVER_CURRENT);
}

static void test_self_test_checks_every_channel_against_the_ceiling(void)
{
    /* channel 1 driven above its setpoint */
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    core.channels[0].ramp.output_ua = 5000u;
    fake_clear_log();
    host_start(&core, T0 + 1000u, 2u, 0x02u, 1000u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_INTERNAL, 0u));
    /* setpoint and output both above the ceiling */
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    core.channels[0].setpoint_ua = 80001u;
    core.channels[0].ramp.output_ua = 80001u;
    fake_clear_log();
    host_start(&core, T0 + 1000u, 2u, 0x02u, 1000u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_INTERNAL, 0u));
}

static void test_start_of_a_bad_length_names_no_field(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    const uint8_t short_start[2] = {0x01u, 0xF4u};
    host_send(&core, T0 + 1000u, 1u, TC_MSG_START, 7u, short_start, sizeof short_start);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_LENGTH, 0u));
}

static void test_identity_strings_have_their_own_length(void)
{
    fake_reset();
    device_boot(&core, 2u, T0);
    host_hello(&core, T0, 1u, 1u, 1u);
    CHECK(the_answer(&answer));
    tc_identity_t id;
    tc_caps_t got[TC_MAX_CHANNELS_ON_WIRE];
    char model[TC_MAX_ID_STRING_LEN + 1u];
    char serial[TC_MAX_ID_STRING_LEN + 1u];
    CHECK(decode_identity(answer.payload, answer.len, &id, got, model, serial));
    CHECK_EQ(id.model_len, strlen(TC_BOARD_MODEL)); /* no terminating NUL on the wire */
    CHECK_EQ(id.serial_number_len, strlen(TC_BOARD_SERIAL));
}

/* Every event carries the fields events.h gives its kind; channel 0 when it has none,
 * and the fields it does not use are 0 (what a board's log shows). */
static void check_event_fields(size_t *seen)
{
    for (size_t i = 0u; i < fake.event_count; i++) {
        const tc_event_t *e = &fake.events[i];
        seen[e->kind]++;
        bool device_wide = e->kind != TC_EV_SET && e->kind != TC_EV_LEAD &&
                           !(e->kind == TC_EV_FAULT && (e->a & TC_CHANNEL_FAULTS) != 0u);
        if (device_wide) {
            CHECK_EQ(e->channel, 0u);
        } else {
            CHECK(e->channel >= 1u);
        }
        bool uses_b = e->kind == TC_EV_START || e->kind == TC_EV_SET || e->kind == TC_EV_NAK ||
                      e->kind == TC_EV_FRAME_ERROR;
        bool uses_c = e->kind == TC_EV_SET || e->kind == TC_EV_NAK;
        if (e->kind == TC_EV_STOP) {
            CHECK_EQ(e->a, 0u);
        }
        if (!uses_b) {
            CHECK_EQ(e->b, 0u);
        }
        if (!uses_c) {
            CHECK_EQ(e->c, 0u);
        }
    }
}

static void test_event_fields(void)
{
    size_t seen[TC_EV_FRAME_ERROR + 1] = {0};
    fake_reset();
    tc_config_t config = {2u, TC_BOOT_POWER_ON, false};
    tc_core_init(&core, &config, T0); /* BOOT */
    host_hello(&core, T0, 1u, 1u, 1u);
    host_start(&core, T0, 2u, 0x03u, 100u);
    host_set_amp(&core, T0, 3u, 1u, 1000u);
    const uint8_t short_start[2] = {0x01u, 0x64u};
    host_send(&core, T0, 1u, TC_MSG_START, 4u, short_start, sizeof short_start); /* NAK */
    fake.lead_off[2] = true; /* LEAD, and a channel FAULT */
    tc_core_poll(&core, T0 + 1000u);
    check_event_fields(seen);
    fake_clear_log();
    host_stop(&core, T0 + 2000u, 5u);
    host_start(&core, T0 + 3000u, 6u, 0x01u, 100u);
    run_until(&core, T0 + 200000u); /* WATCHDOG, and a device FAULT */
    check_event_fields(seen);
    const tc_event_kind_t kinds[] = {TC_EV_BOOT,  TC_EV_HELLO, TC_EV_START,    TC_EV_STOP,
                                     TC_EV_SET,   TC_EV_NAK,   TC_EV_WATCHDOG, TC_EV_FAULT,
                                     TC_EV_LEAD};
    for (size_t i = 0u; i < sizeof kinds / sizeof kinds[0]; i++) {
        CHECK(seen[kinds[i]] >= 1u);
    }
    CHECK(seen[TC_EV_FAULT] >= 2u); /* a channel's and the device's */
}

void suite_mutants(void)
{
    RUN(test_slew_carries_nothing_past_its_target);
    RUN(test_slew_reset_carries_nothing);
    RUN(test_slew_longest_exact_step);
    RUN(test_set_accepts_every_bound_itself);
    RUN(test_set_refuses_unknown_shapes_whatever_the_caps_claim);
    RUN(test_time_reached_at_half_the_range);
    RUN(test_counter_init_forgets_what_was_there);
    RUN(test_reset_state_of_every_channel);
    RUN(test_start_of_a_running_channel_begins_again_at_zero);
    RUN(test_start_restarts_the_over_delivery_count);
    RUN(test_set_needs_its_own_channel_started);
    RUN(test_faulted_or_stopped_channel_stays_at_zero_whatever_its_setpoint);
    RUN(test_battery_levels_exactly);
    RUN(test_ceiling_itself_is_allowed);
    RUN(test_self_test_checks_every_channel_against_the_ceiling);
    RUN(test_start_of_a_bad_length_names_no_field);
    RUN(test_identity_strings_have_their_own_length);
    RUN(test_event_fields);
}

/*
 * test_faults.c - every fault of section 7 zeroes what it affects and stays latched until
 * a START clears it: lead-off (on disabled channels too), over-delivery (the exact bound,
 * more than 200 ms, setpoint 0), over-current, low battery with its restart level, and
 * internal failures (the board's, a corrupted core state, a gate that does not close).
 */
#include "check.h"
#include "fake_hal.h"
#include "host.h"
#include "suites.h"

static tc_core_t core;
static frame_t answer;

#define T0 5000000u

static void test_lead_off_zeroes_that_channel_only(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 4000u);
    host_set_amp(&core, T0, 3u, 2u, 4000u);
    run_until(&core, T0 + 300000u);
    fake_clear_log();
    fake.lead_off[1] = true;
    tc_core_poll(&core, T0 + 300000u);
    CHECK(core.channels[0].faults & TC_FAULT_LEAD_OFF);
    CHECK_EQ(fake_delivered(1u), 0u);
    CHECK_EQ(fake.driven_ua[2], 4000u); /* the other channel goes on */
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    CHECK_EQ(fake.events[0].kind, TC_EV_LEAD);
    CHECK_EQ(fake.events[0].a, TC_LEAD_OFF);
    CHECK_EQ(fake.events[1].kind, TC_EV_FAULT);
    /* back on: reported, still latched; START clears it */
    fake.lead_off[1] = false;
    fake_clear_log();
    tc_core_poll(&core, T0 + 400000u);
    CHECK_EQ(fake_count_events(TC_EV_LEAD), 1u);
    CHECK(core.channels[0].faults & TC_FAULT_LEAD_OFF);
    host_start(&core, T0 + 400000u, 4u, 0x01u, 1000u);
    CHECK_EQ(core.channels[0].faults, 0u);
    CHECK_EQ(fake.driven_ua[1], 0u); /* back only through a new soft start */
}

static void test_lead_off_latches_on_a_disabled_channel(void)
{
    fake_reset();
    device_boot(&core, 2u, T0);
    fake.lead_off[2] = true;
    tc_core_poll(&core, T0 + 1000u);
    CHECK(core.channels[1].faults & TC_FAULT_LEAD_OFF);
}

static void test_over_delivery_bound_and_200_ms(void)
{
    fake_reset();
    device_running(&core, 1u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 10000u);
    run_until(&core, T0 + 500000u); /* ramp done at 0.5 s */
    CHECK_EQ(fake.driven_ua[1], 10000u);
    fake.over_percent[1] = 20u; /* 12,000 uA: exactly setpoint + allowance, not over */
    for (uint64_t t = T0 + 500000u; t < T0 + 2000000u; t += 50000u) {
        host_heartbeat(&core, t, 3u);
        run_until(&core, t);
    }
    CHECK_EQ(core.channels[0].faults, 0u);
    fake.extra_ua[1] = 1u; /* 12,001 uA: over */
    uint64_t onset = T0 + 2000000u;
    tc_core_poll(&core, onset);
    CHECK(tc_core_next_due_us(&core) <= onset + 200001u); /* woken by then at the latest */
    host_heartbeat(&core, onset + 100000u, 4u);
    tc_core_poll(&core, onset + 200000u);
    CHECK_EQ(core.channels[0].faults, 0u); /* exactly 200 ms: not more */
    tc_core_poll(&core, onset + 200001u);
    CHECK(core.channels[0].faults & TC_FAULT_OVER_DELIVERY);
    CHECK_EQ(fake_delivered(1u), 0u);
}

static void test_over_delivery_at_setpoint_zero(void)
{
    fake_reset();
    device_running(&core, 1u, T0, 1000u);
    /* a started channel at setpoint 0 that delivers 1 uA, through a gate that does not
     * close (the fake's leak): at setpoint 0 any current is over */
    fake.leak_ua[1] = 1u;
    fake.enabled[1] = false;
    tc_core_poll(&core, T0); /* the first over measurement */
    run_until(&core, T0 + 200000u);
    CHECK_EQ(core.channels[0].faults, 0u);
    run_until(&core, T0 + 201000u);
    CHECK(core.channels[0].faults & TC_FAULT_OVER_DELIVERY);
    CHECK_EQ(core.device_faults, 0u);
    /* still current 200 ms after the channel was zeroed: the gate failed, INTERNAL */
    host_heartbeat(&core, T0 + 300000u, 2u);
    run_until(&core, T0 + 410000u);
    CHECK(core.device_faults & TC_FAULT_INTERNAL);
    CHECK_EQ(core.state, TC_STATE_IDLE);
}

static void test_over_current_is_immediate(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 80000u);
    run_until(&core, T0 + 900000u);
    fake.extra_ua[1] = 70000u; /* above max_amplitude_ua at once */
    tc_core_poll(&core, T0 + 900001u);
    CHECK(core.channels[0].faults & TC_FAULT_OVER_CURRENT);
    CHECK_EQ(fake_delivered(1u), 0u);
}

static void test_low_battery_latches_and_restart_level_is_higher(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 3000u);
    run_until(&core, T0 + 100000u);
    fake.battery_mv = 3399u;
    tc_core_poll(&core, T0 + 100000u);
    CHECK(core.device_faults & TC_FAULT_LOW_BATTERY);
    CHECK_EQ(core.state, TC_STATE_IDLE);
    CHECK_EQ(fake_delivered(1u), 0u);
    fake.battery_mv = 3500u; /* recovered past sustain, still below restart */
    fake_clear_log();
    host_start(&core, T0 + 200000u, 3u, 0x01u, 1000u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_LOW_BATTERY, 0u));
    fake.battery_mv = 3600u;
    fake_clear_log();
    host_start(&core, T0 + 300000u, 4u, 0x01u, 1000u);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_START));
    CHECK_EQ(core.device_faults, 0u);
    /* 3,500 mV sustains output: no new latch */
    fake.battery_mv = 3500u;
    run_until(&core, T0 + 900000u);
    CHECK_EQ(core.device_faults, 0u);
    /* mains powered (0 mV) is never low */
    fake.battery_mv = 0u;
    run_until(&core, T0 + 950000u);
    CHECK_EQ(core.device_faults, 0u);
}

static void test_hardware_failure_latches_internal(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    fake.hardware_ok = false;
    fake.self_test_ok = false;
    tc_core_poll(&core, T0 + 1000u);
    CHECK(core.device_faults & TC_FAULT_INTERNAL);
    CHECK_EQ(core.state, TC_STATE_IDLE);
    fake_clear_log();
    host_start(&core, T0 + 2000u, 2u, 0x01u, 1000u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_INTERNAL, 0u));
    fake.hardware_ok = true;
    fake.self_test_ok = true;
    fake_clear_log();
    host_start(&core, T0 + 3000u, 3u, 0x01u, 1000u);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_START));
    CHECK_EQ(core.device_faults, 0u);
    /* a board's own monitor */
    tc_core_hardware_fault(&core, T0 + 4000u);
    CHECK(core.device_faults & TC_FAULT_INTERNAL);
    CHECK_EQ(core.state, TC_STATE_IDLE);
}

static void test_start_self_test_checks_the_cores_own_state(void)
{
    /* a corrupted channel state (driven above its setpoint) fails START's self-test */
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    core.channels[1].ramp.output_ua = 5000u;
    fake_clear_log();
    host_start(&core, T0 + 1000u, 2u, 0x01u, 1000u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_INTERNAL, 0u));
    CHECK(core.device_faults & TC_FAULT_INTERNAL);
    CHECK_EQ(core.state, TC_STATE_IDLE);
    CHECK(!fake.enabled[1] && !fake.enabled[2]);
}

void suite_faults(void)
{
    RUN(test_lead_off_zeroes_that_channel_only);
    RUN(test_lead_off_latches_on_a_disabled_channel);
    RUN(test_over_delivery_bound_and_200_ms);
    RUN(test_over_delivery_at_setpoint_zero);
    RUN(test_over_current_is_immediate);
    RUN(test_low_battery_latches_and_restart_level_is_higher);
    RUN(test_hardware_failure_latches_internal);
    RUN(test_start_self_test_checks_the_cores_own_state);
}

/*
 * test_start.c - START through the core (section 4.3, decision D3): its six checks in
 * order with the self-test on every START, what an accepted START clears and echoes, a
 * refusal that changes nothing, and START while RUNNING.
 */
#include "check.h"
#include "fake_hal.h"
#include "host.h"
#include "suites.h"

static tc_core_t core;
static frame_t answer;

#define T0 1000000u /* the tests' reset instant, us */

static void test_start_accepted_echoes_the_watchdog_in_force(void)
{
    fake_reset();
    device_boot(&core, 2u, T0);
    host_start(&core, T0, 5u, 0x01u, 0u);
    CHECK(the_answer(&answer));
    CHECK(is_ack(&answer, TC_MSG_START));
    CHECK_EQ(answer.len, 4u);
    CHECK_EQ(answer.payload[1], 0x01u);
    CHECK_EQ(answer.payload[2] | (answer.payload[3] << 8), 1000u); /* 0 asked the default */
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    CHECK(core.channels[0].enabled && !core.channels[1].enabled);
    CHECK(fake.enabled[1] && !fake.enabled[2]);
    CHECK_EQ(fake.driven_ua[1], 0u); /* enabled at 0: START never raises output */
}

static void test_start_checks_in_order(void)
{
    /* every condition fails; they are fixed one by one and the next row answers */
    fake_reset();
    device_boot(&core, 2u, T0);
    fake.self_test_ok = false;
    fake.battery_mv = 3500u; /* above sustain (no latch), below restart */
    fake.lead_off[1] = true;
    tc_core_poll(&core, T0 + 1000u);
    fake_clear_log();
    host_start(&core, T0 + 2000u, 1u, 0x00u, 50u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_CHANNEL, 1u));
    CHECK_EQ(fake.self_tests, 0u); /* not run for a START refused before it */
    fake_clear_log();
    host_start(&core, T0 + 3000u, 2u, 0x01u, 50u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_OUT_OF_RANGE, 2u));
    fake_clear_log();
    host_start(&core, T0 + 4000u, 3u, 0x01u, 500u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_INTERNAL, 0u));
    CHECK(core.device_faults & TC_FAULT_INTERNAL); /* the failure is latched */
    fake.self_test_ok = true;
    fake_clear_log();
    host_start(&core, T0 + 5000u, 4u, 0x01u, 500u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_LOW_BATTERY, 0u));
    CHECK(core.device_faults & TC_FAULT_INTERNAL); /* refused: nothing cleared */
    fake.battery_mv = 3600u;
    fake_clear_log();
    host_start(&core, T0 + 6000u, 5u, 0x01u, 500u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_LEAD_OFF, 1u));
    fake.lead_off[1] = false;
    fake_clear_log();
    host_start(&core, T0 + 7000u, 6u, 0x01u, 500u);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_START));
    CHECK_EQ(core.device_faults, 0u);
    CHECK_EQ(core.channels[0].faults, 0u);
    CHECK_EQ(fake.self_tests, 4u); /* the self-test ran on every START that reached it */
}

static void test_refused_start_changes_nothing(void)
{
    fake_reset();
    device_boot(&core, 2u, T0);
    host_start(&core, T0, 1u, 0x01u, 500u);
    host_set_amp(&core, T0, 2u, 1u, 2000u);
    tc_core_poll(&core, T0 + 200000u);
    fake.lead_off[2] = true;
    tc_core_poll(&core, T0 + 200000u);
    uint32_t before = fake.driven_ua[1];
    CHECK_EQ(before, 2000u);
    fake_clear_log();
    host_start(&core, T0 + 210000u, 3u, 0x03u, 100u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_LEAD_OFF, 1u));
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    CHECK_EQ(core.watchdog_ms, 500u);
    CHECK_EQ(fake.driven_ua[1], before);
    CHECK_EQ(core.channels[0].setpoint_ua, 2000u);
}

static void test_start_while_running_adds_channels_and_rearms(void)
{
    fake_reset();
    device_boot(&core, 2u, T0);
    host_start(&core, T0, 1u, 0x01u, 500u);
    host_set_amp(&core, T0, 2u, 1u, 2000u);
    tc_core_poll(&core, T0 + 200000u);
    host_start(&core, T0 + 300000u, 3u, 0x02u, 200u);
    CHECK(core.channels[0].enabled && core.channels[1].enabled);
    CHECK_EQ(core.channels[0].setpoint_ua, 2000u); /* not named: keeps its state */
    CHECK_EQ(fake.driven_ua[1], 2000u);
    CHECK_EQ(core.watchdog_ms, 200u);
    /* the new timeout counts from this START */
    tc_core_poll(&core, T0 + 499999u);
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    tc_core_poll(&core, T0 + 500000u);
    CHECK_EQ(core.state, TC_STATE_IDLE);
    CHECK(core.device_faults & TC_FAULT_HOST_LOST);
}

void suite_start(void)
{
    RUN(test_start_accepted_echoes_the_watchdog_in_force);
    RUN(test_start_checks_in_order);
    RUN(test_refused_start_changes_nothing);
    RUN(test_start_while_running_adds_channels_and_rearms);
}

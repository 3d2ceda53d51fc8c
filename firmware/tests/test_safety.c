/*
 * test_safety.c - the device's safety duties: output 0 at reset, STOP acknowledged only at
 * 0, the watchdog (section 7), the slew, and that nothing raises output but a SET (the
 * faults are in test_faults.c).
 */
#include "check.h"
#include "fake_hal.h"
#include "host.h"
#include "suites.h"

static tc_core_t core;
static frame_t answer;

#define T0 5000000u

static void test_reset_disables_every_output_before_anything_else(void)
{
    fake_reset();
    for (uint8_t n = 1u; n <= 6u; n++) {
        fake.enabled[n] = true; /* as if the hardware came up enabled */
        fake.driven_ua[n] = 1000u;
    }
    tc_config_t config = {2u, TC_BOOT_MCU_WATCHDOG, false};
    CHECK(tc_core_init(&core, &config, T0));
    for (uint8_t n = 1u; n <= 6u; n++) {
        CHECK_EQ(fake.calls[n - 1u].kind, CALL_DISABLE); /* every channel the board has */
        CHECK_EQ(fake.calls[n - 1u].channel, n);
        CHECK(!fake.enabled[n]);
    }
    CHECK_EQ(fake.calls[6].kind, CALL_WRITE);
    CHECK_EQ(fake.calls[6].value, TC_MSG_BOOT);
    CHECK_EQ(core.state, TC_STATE_IDLE);
    /* an invalid configuration leaves the outputs off and refuses to run */
    fake_reset();
    fake.enabled[3] = true;
    tc_config_t bad = {7u, TC_BOOT_POWER_ON, false};
    CHECK(!tc_core_init(&core, &bad, T0));
    CHECK(!fake.enabled[3]);
    CHECK_EQ(fake_find_call(CALL_WRITE, 0u), FAKE_CALLS_MAX);
}

static void test_conditions_found_at_reset_latch_at_once(void)
{
    fake_reset();
    fake.lead_off[2] = true;
    fake.battery_mv = 3300u;
    tc_config_t config = {2u, TC_BOOT_POWER_ON, false};
    tc_core_init(&core, &config, T0);
    CHECK(core.channels[1].faults & TC_FAULT_LEAD_OFF);
    CHECK(core.device_faults & TC_FAULT_LOW_BATTERY);
    /* BOOT first, then the event frame that shows them */
    frame_t frames[4];
    CHECK_EQ(sent_frames(frames, 4u), 2u);
    CHECK_EQ(frames[0].type, TC_MSG_BOOT);
    CHECK_EQ(frames[1].type, TC_MSG_TELEMETRY);
}

static void test_stop_zeroes_first_and_acks_after(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 500u);
    host_set_amp(&core, T0, 2u, 1u, 8000u);
    host_set_amp(&core, T0, 3u, 2u, 8000u);
    run_until(&core, T0 + 300000u);
    CHECK(fake.driven_ua[1] > 0u && fake.driven_ua[2] > 0u);
    fake_clear_log();
    host_stop(&core, T0 + 300000u, 4u);
    size_t off[3] = {FAKE_CALLS_MAX, FAKE_CALLS_MAX, FAKE_CALLS_MAX};
    for (size_t i = 0u; i < fake.call_count; i++) {
        uint8_t ch = fake.calls[i].channel;
        if (fake.calls[i].kind == CALL_DISABLE && ch <= 2u && off[ch] == FAKE_CALLS_MAX) {
            off[ch] = i;
        }
    }
    size_t off1 = off[1];
    size_t off2 = off[2];
    size_t ack_at = fake_find_call(CALL_WRITE, 0u);
    CHECK(off1 < ack_at && off2 < ack_at);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_STOP));
    CHECK_EQ(fake_delivered(1u) + fake_delivered(2u), 0u);
    CHECK(!core.watchdog_armed);
    /* disarmed: no HOST_LOST however long the host is silent */
    run_until(&core, T0 + 3000000u);
    CHECK_EQ(core.device_faults, 0u);
    /* idempotent, in every state */
    fake_clear_log();
    host_stop(&core, T0 + 3000000u, 5u);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_STOP));
}

static void test_watchdog_expires_exactly_and_latches_host_lost(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 100u);
    host_set_amp(&core, T0, 2u, 1u, 5000u);
    host_heartbeat(&core, T0 + 60000u, 3u);
    run_until(&core, T0 + 159999u);
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    CHECK(fake.driven_ua[1] > 0u);
    fake_clear_log();
    CHECK_EQ(tc_core_next_due_us(&core), T0 + 160000u); /* the board wakes exactly then */
    run_until(&core, T0 + 160000u);
    CHECK_EQ(core.state, TC_STATE_IDLE);
    CHECK(core.device_faults & TC_FAULT_HOST_LOST);
    CHECK_EQ(fake_delivered(1u), 0u);
    CHECK_EQ(fake.events[0].kind, TC_EV_WATCHDOG);
    CHECK_EQ(fake.events[0].a, 100u);
    CHECK_EQ(fake_count_events(TC_EV_FAULT), 1u);
    tc_telemetry_t tm;
    CHECK(telemetry_frames(&tm) >= 1u);
    CHECK(tm.faults & TC_FAULT_HOST_LOST);
    CHECK_EQ(tm.state, TC_STATE_IDLE);
    /* only START clears it */
    fake_clear_log();
    host_start(&core, T0 + 200000u, 4u, 0x01u, 100u);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_START));
    CHECK_EQ(core.device_faults, 0u);
}

static void test_watchdog_refreshers(void)
{
    /* refreshed by every valid request in the negotiated version byte, NAKed ones too */
    fake_reset();
    device_running(&core, 2u, T0, 100u);
    host_set_amp(&core, T0 + 90000u, 2u, 9u, 1u); /* NAK BAD_CHANNEL */
    run_until(&core, T0 + 189999u);
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    const uint8_t hello[2] = {1u, 1u};
    host_send(&core, T0 + 189999u, 1u, TC_MSG_HELLO, 3u, hello, sizeof hello);
    run_until(&core, T0 + 250000u);
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    /* not by: a HELLO or HEARTBEAT in another version byte, an unknown type, a bad CRC */
    host_send(&core, T0 + 250000u, 2u, TC_MSG_HELLO, 4u, hello, sizeof hello);
    host_send(&core, T0 + 255000u, 2u, TC_MSG_HEARTBEAT, 5u, NULL, 0u);
    host_send(&core, T0 + 260000u, 1u, 0x06u, 6u, NULL, 0u);
    const uint8_t bad_crc[] = {0x04, 0x01, 0x05, 0x07, 0x05, 0x55, 0xEC, 0x72, 0xD1, 0x00};
    tc_core_receive(&core, bad_crc, sizeof bad_crc, T0 + 265000u);
    run_until(&core, T0 + 289998u);
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    run_until(&core, T0 + 289999u);
    CHECK_EQ(core.state, TC_STATE_IDLE);
    CHECK(core.device_faults & TC_FAULT_HOST_LOST);
}

static void test_slew_through_the_core_and_drop_at_once(void)
{
    fake_reset();
    device_running(&core, 1u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 20000u);
    for (uint64_t t = T0; t <= T0 + 1200000u; t += 10000u) {
        if ((t - T0) % 100000u == 0u) {
            host_heartbeat(&core, t, 3u);
        }
        run_until(&core, t);
        uint64_t exact = (t - T0) * 20000u / 1000000u;
        CHECK_EQ(fake.driven_ua[1], exact < 20000u ? exact : 20000u);
    }
    fake_clear_log();
    host_set_amp(&core, T0 + 1200000u, 4u, 1u, 5000u);
    size_t drop = fake_find_call(CALL_DRIVE, 0u);
    CHECK(drop < fake_find_call(CALL_WRITE, 0u)); /* lowered before the ACK */
    CHECK_EQ(fake.calls[drop].value, 5000u);
}

static void test_output_never_rises_by_itself(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 6000u);
    run_until(&core, T0 + 400000u);
    size_t from = fake.call_count;
    for (uint64_t t = T0 + 400000u; t < T0 + 10000000u; t += 100000u) {
        host_heartbeat(&core, t, 3u);
        run_until(&core, t + 50000u);
    }
    CHECK_EQ(fake.driven_ua[1], 6000u);
    CHECK_EQ(fake.driven_ua[2], 0u);
    CHECK_EQ(fake_find_call(CALL_DRIVE, from), FAKE_CALLS_MAX);
}

static void test_next_due_is_never_in_the_past(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 500u);
    host_set_amp(&core, T0, 2u, 1u, 6000u);
    for (unsigned i = 0u; i < 500u; i++) {
        uint64_t due = tc_core_next_due_us(&core);
        CHECK(due >= core.now_us);
        CHECK(due - core.now_us <= 5000u); /* the control tick at most */
        tc_core_poll(&core, due);
        if (i % 20u == 0u) {
            host_heartbeat(&core, core.now_us, 4u);
        }
    }
}

void suite_safety(void)
{
    RUN(test_reset_disables_every_output_before_anything_else);
    RUN(test_conditions_found_at_reset_latch_at_once);
    RUN(test_stop_zeroes_first_and_acks_after);
    RUN(test_watchdog_expires_exactly_and_latches_host_lost);
    RUN(test_watchdog_refreshers);
    RUN(test_slew_through_the_core_and_drop_at_once);
    RUN(test_output_never_rises_by_itself);
    RUN(test_next_due_is_never_in_the_past);
}

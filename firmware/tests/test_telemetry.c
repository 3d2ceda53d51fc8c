/*
 * test_telemetry.c - BOOT first (section 4.10, D7), TELEMETRY on the 50 ms grid from the
 * reset, event frames within 10 ms without moving the grid (4.9, D6), the pushed-frame
 * counter, and a run across the u64 wrap of the board's clock.
 */
#include "check.h"
#include "fake_hal.h"
#include "host.h"
#include "suites.h"

static tc_core_t core;
static frame_t frames[MAX_FRAMES];

#define T0 7000000u

static void test_boot_first_then_the_grid(void)
{
    fake_reset();
    tc_config_t config = {2u, TC_BOOT_BROWN_OUT, false};
    tc_core_init(&core, &config, T0);
    run_until(&core, T0 + 1000000u);
    size_t n = sent_frames(frames, MAX_FRAMES);
    CHECK_EQ(n, 21u); /* BOOT and 20 frames in one second */
    CHECK_EQ(frames[0].type, TC_MSG_BOOT);
    CHECK_EQ(frames[0].seq, 0u);
    CHECK_EQ(frames[0].payload[0], TC_BOOT_BROWN_OUT);
    for (size_t i = 1u; i < n; i++) {
        tc_telemetry_t tm;
        CHECK_EQ(frames[i].type, TC_MSG_TELEMETRY);
        CHECK_EQ(frames[i].seq, i);
        CHECK(decode_telemetry(frames[i].payload, frames[i].len, &tm));
        CHECK_EQ(tm.uptime_ms, 50u * i); /* on the grid from the reset */
        CHECK_EQ(tm.channel_count, 2u);
        CHECK_EQ(tm.state, TC_STATE_IDLE);
    }
}

static void test_a_late_board_gets_one_frame_then_the_grid(void)
{
    fake_reset();
    device_boot(&core, 1u, T0);
    tc_core_poll(&core, T0 + 170000u); /* 50, 100 and 150 missed */
    tc_core_poll(&core, T0 + 199999u);
    tc_core_poll(&core, T0 + 200000u);
    size_t n = sent_frames(frames, MAX_FRAMES);
    CHECK_EQ(n, 2u);
    tc_telemetry_t tm;
    decode_telemetry(frames[1].payload, frames[1].len, &tm);
    CHECK_EQ(tm.uptime_ms, 200u);
}

static void test_event_frame_at_once_and_the_grid_unmoved(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    run_until(&core, T0 + 20000u);
    fake.lead_off[2] = true;
    tc_core_poll(&core, T0 + 20000u);
    run_until(&core, T0 + 100000u);
    size_t n = sent_frames(frames, MAX_FRAMES);
    CHECK_EQ(n, 3u); /* the event at 20 ms, the periodic ones at 50 and 100 */
    tc_telemetry_t tm;
    decode_telemetry(frames[0].payload, frames[0].len, &tm);
    CHECK_EQ(tm.uptime_ms, 20u);
    CHECK_EQ(tm.channels[1].lead, TC_LEAD_OFF);
    CHECK_EQ(tm.channels[1].impedance_ohm, 0xFFFFu);
    CHECK(tm.channels[1].faults & TC_FAULT_LEAD_OFF);
    CHECK(tm.faults & TC_FAULT_LEAD_OFF);
    decode_telemetry(frames[1].payload, frames[1].len, &tm);
    CHECK_EQ(tm.uptime_ms, 50u);
    CHECK_EQ(frames[1].seq, frames[0].seq + 1u); /* every frame takes the next seq */
    decode_telemetry(frames[2].payload, frames[2].len, &tm);
    CHECK_EQ(tm.uptime_ms, 100u);
}

static void test_periodic_frame_within_10_ms_is_the_event_frame(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    run_until(&core, T0 + 41000u);
    fake.lead_off[1] = true;
    tc_core_poll(&core, T0 + 41000u); /* 9 ms before the periodic frame */
    CHECK(core.event_pending);
    run_until(&core, T0 + 50000u);
    size_t n = sent_frames(frames, MAX_FRAMES);
    CHECK_EQ(n, 1u);
    tc_telemetry_t tm;
    decode_telemetry(frames[0].payload, frames[0].len, &tm);
    CHECK_EQ(tm.uptime_ms, 50u);
    CHECK(tm.channels[0].faults & TC_FAULT_LEAD_OFF);
    CHECK(!core.event_pending);
    /* 11 ms before the next one: a frame of its own */
    fake_clear_log();
    run_until(&core, T0 + 89000u);
    fake.lead_off[1] = false;
    tc_core_poll(&core, T0 + 89000u);
    run_until(&core, T0 + 100000u);
    CHECK_EQ(sent_frames(frames, MAX_FRAMES), 2u);
}

static void test_held_boot_goes_out_before_the_first_answer(void)
{
    fake_reset();
    tc_config_t config = {2u, TC_BOOT_POWER_ON, true};
    tc_core_init(&core, &config, T0);
    run_until(&core, T0 + 500000u);
    CHECK_EQ(fake.out_len, 0u); /* nothing before BOOT, and BOOT waits for a host */
    const uint8_t garbage[] = {0x05, 0x11, 0x00}; /* a dropped frame is not answered */
    tc_core_receive(&core, garbage, sizeof garbage, T0 + 510000u);
    CHECK_EQ(fake.out_len, 0u);
    host_hello(&core, T0 + 512000u, 0u, 1u, 1u);
    run_until(&core, T0 + 600000u);
    size_t n = sent_frames(frames, MAX_FRAMES);
    CHECK(n >= 4u);
    CHECK_EQ(frames[0].type, TC_MSG_BOOT);
    CHECK_EQ(frames[0].seq, 0u);
    CHECK_EQ(frames[1].type, TC_MSG_IDENTITY);
    CHECK_EQ(frames[2].type, TC_MSG_TELEMETRY);
    tc_telemetry_t tm;
    decode_telemetry(frames[2].payload, frames[2].len, &tm);
    CHECK_EQ(tm.uptime_ms, 550u); /* the grid from the reset, not from the BOOT */
    CHECK_EQ(tm.frame_errors, 1u);
}

static void test_counters_wrap(void)
{
    fake_reset();
    device_boot(&core, 1u, T0);
    core.push_seq = 0xFFFFu;
    core.rx.frame_errors = 0xFFFFFFFFu;
    /* 2^32 ms of uptime wraps the u32 */
    core.boot_us = T0 - 4294967296000u;
    core.next_telemetry_us = T0 + 50000u;
    run_until(&core, T0 + 100000u);
    size_t n = sent_frames(frames, MAX_FRAMES);
    CHECK_EQ(n, 2u);
    CHECK_EQ(frames[0].seq, 0xFFFFu);
    CHECK_EQ(frames[1].seq, 0u);
    tc_telemetry_t tm;
    decode_telemetry(frames[1].payload, frames[1].len, &tm);
    CHECK_EQ(tm.uptime_ms, 100u);
    CHECK_EQ(tm.frame_errors, 0xFFFFFFFFu);
}

static void test_telemetry_reports_setpoints_and_measurements(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 2000u);
    fake.over_percent[1] = 10u;
    run_until(&core, T0 + 150000u);
    tc_telemetry_t tm;
    CHECK(telemetry_frames(&tm) >= 3u);
    CHECK_EQ(tm.state, TC_STATE_RUNNING);
    CHECK_EQ(tm.battery_mv, 3950u);
    CHECK_EQ(tm.battery_pct, 87u);
    CHECK_EQ(tm.channels[0].setpoint_ua, 2000u);
    CHECK_EQ(tm.channels[0].delivered_ua, 2000u * 110u / 100u); /* reached at 100 ms, +10 % */
    CHECK_EQ(tm.channels[0].impedance_ohm, 820u);
    CHECK_EQ(tm.channels[1].setpoint_ua, 0u);
    /* a device-wide fault shows on every channel */
    fake.battery_mv = 3000u;
    fake_clear_log();
    run_until(&core, T0 + 200000u);
    telemetry_frames(&tm);
    CHECK(tm.channels[0].faults & TC_FAULT_LOW_BATTERY);
    CHECK(tm.channels[1].faults & TC_FAULT_LOW_BATTERY);
    CHECK_EQ(tm.channels[0].setpoint_ua, 0u);
    CHECK_EQ(tm.channels[0].delivered_ua, 0u);
}

static void test_a_session_across_the_u64_wrap_of_the_clock(void)
{
    const uint64_t start = 0xFFFFFFFFFFFFFFFFu - 1000000u; /* 1 s before the wrap */
    fake_reset();
    device_running(&core, 1u, start, 300u);
    host_set_amp(&core, start, 2u, 1u, 40000u);
    uint64_t t = start;
    for (unsigned i = 0u; i < 30u; i++) { /* 3 s, heartbeats every 100 ms */
        t += 100000u;
        run_until(&core, t);
        host_heartbeat(&core, t, (uint16_t)(3u + i));
    }
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    CHECK_EQ(fake.driven_ua[1], 40000u); /* 2 s of ramp at 20 mA/s, through the wrap */
    size_t n = sent_frames(frames, MAX_FRAMES);
    uint32_t expected = 50u;
    size_t seen = 0u;
    for (size_t i = 0u; i < n; i++) {
        tc_telemetry_t tm;
        if (frames[i].type == TC_MSG_TELEMETRY &&
            decode_telemetry(frames[i].payload, frames[i].len, &tm)) {
            CHECK_EQ(tm.uptime_ms, expected);
            expected += 50u;
            seen++;
        }
    }
    CHECK_EQ(seen, 60u);
    /* and the watchdog still counts across it */
    run_until(&core, t + 299999u);
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    run_until(&core, t + 300000u);
    CHECK_EQ(core.state, TC_STATE_IDLE);
}

void suite_telemetry(void)
{
    RUN(test_boot_first_then_the_grid);
    RUN(test_a_late_board_gets_one_frame_then_the_grid);
    RUN(test_event_frame_at_once_and_the_grid_unmoved);
    RUN(test_periodic_frame_within_10_ms_is_the_event_frame);
    RUN(test_held_boot_goes_out_before_the_first_answer);
    RUN(test_counters_wrap);
    RUN(test_telemetry_reports_setpoints_and_measurements);
    RUN(test_a_session_across_the_u64_wrap_of_the_clock);
}

/*
 * test_requests.c - host frames through the core: section 3's order, one answer per
 * request echoing its seq, HELLO (4.1), SET (4.5), HEARTBEAT (4.6); START is in test_start.c.
 */
#include <string.h>

#include "check.h"
#include "fake_hal.h"
#include "host.h"
#include "suites.h"

static tc_core_t core;
static frame_t answer;

#define T0 1000000u /* the tests' reset instant, us */

static void test_stop_in_any_version_and_with_any_payload(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 500u);
    host_set_amp(&core, T0 + 1000u, 2u, 1u, 5000u);
    tc_core_poll(&core, T0 + 500000u);
    CHECK(fake.driven_ua[1] > 0u);
    fake_clear_log();
    const uint8_t stray[2] = {0xA5, 0x5A};
    host_send(&core, T0 + 500000u, 2u, TC_MSG_STOP, 11u, stray, sizeof stray);
    CHECK(the_answer(&answer));
    CHECK(is_ack(&answer, TC_MSG_STOP));
    CHECK_EQ(answer.len, 1u); /* no echo of the stray bytes */
    CHECK_EQ(answer.version, 1u);
    CHECK_EQ(answer.seq, 11u);
    CHECK_EQ(core.state, TC_STATE_IDLE);
    CHECK(!fake.enabled[1] && !fake.enabled[2]);
    CHECK_EQ(fake_delivered(1u), 0u);
}

static void test_hello_in_any_version_byte(void)
{
    fake_reset();
    device_boot(&core, 2u, T0);
    const uint8_t range[2] = {1u, 1u};
    host_send(&core, T0, 2u, TC_MSG_HELLO, 12u, range, sizeof range);
    CHECK(the_answer(&answer));
    CHECK_EQ(answer.type, TC_MSG_IDENTITY);
    CHECK_EQ(answer.payload[0], 1u);
    CHECK_EQ(answer.version, 1u);
    CHECK_EQ(answer.seq, 12u);
}

static void test_other_version_byte_is_refused_and_ignored(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 500u);
    uint8_t p[TC_SET_LEN];
    tc_setpoint_t set = continuous(1u, 5000u);
    tc_encode_set(p, sizeof p, &set);
    host_send(&core, T0 + 1000u, 2u, TC_MSG_SET, 9u, p, sizeof p);
    CHECK(the_answer(&answer));
    CHECK(is_nak(&answer, TC_NAK_UNSUPPORTED_VERSION, 0u));
    CHECK_EQ(answer.payload[0], TC_MSG_SET);
    CHECK_EQ(answer.version, 1u);
    CHECK_EQ(core.channels[0].setpoint_ua, 0u);
    fake_clear_log();
    host_send(&core, T0 + 2000u, 0u, TC_MSG_HEARTBEAT, 10u, NULL, 0u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_UNSUPPORTED_VERSION, 0u));
}

static void test_unknown_types_are_refused(void)
{
    const uint8_t types[] = {0x00, 0x06, 0x7F, 0x81, 0x82, 0xA0, 0xA1, 0xFF};
    fake_reset();
    device_running(&core, 2u, T0, 500u);
    for (size_t i = 0u; i < sizeof types; i++) {
        fake_clear_log();
        host_send(&core, T0 + i, 1u, types[i], (uint16_t)(100u + i), NULL, 0u);
        CHECK(the_answer(&answer));
        CHECK(is_nak(&answer, TC_NAK_UNKNOWN_TYPE, 0u));
        CHECK_EQ(answer.payload[0], types[i]); /* as received, even if unknown */
        CHECK_EQ(answer.seq, 100u + i);
    }
    CHECK_EQ(core.state, TC_STATE_RUNNING);
}

static void test_every_copy_of_a_retried_request_is_answered(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 500u);
    host_set_amp(&core, T0 + 1000u, 7u, 1u, 3000u);
    host_set_amp(&core, T0 + 2000u, 7u, 1u, 3000u);
    frame_t frames[8];
    size_t n = sent_frames(frames, 8u);
    CHECK_EQ(n, 2u);
    for (size_t i = 0u; i < n; i++) {
        CHECK(is_ack(&frames[i], TC_MSG_SET));
        CHECK_EQ(frames[i].seq, 7u);
        CHECK_EQ(frames[i].len, 19u);
    }
    CHECK_EQ(core.channels[0].setpoint_ua, 3000u);
}

static void test_hello_selects_the_highest_common_version(void)
{
    const uint8_t ranges[][3] = {
        {1u, 1u, 1u}, {0u, 5u, 1u}, {1u, 255u, 1u}, {2u, 3u, 0u}, {2u, 1u, 0u}, {0u, 0u, 0u}};
    for (size_t i = 0u; i < sizeof ranges / sizeof ranges[0]; i++) {
        fake_reset();
        device_boot(&core, 2u, T0);
        host_hello(&core, T0, 14u, ranges[i][0], ranges[i][1]);
        CHECK(the_answer(&answer));
        CHECK_EQ(answer.type, TC_MSG_IDENTITY);
        CHECK_EQ(answer.payload[0], ranges[i][2]);
        CHECK_EQ(core.version, 1u); /* 0 changes nothing; 1 is already in force */
    }
}

static void test_hello_bad_length_answered_in_the_version_in_force(void)
{
    fake_reset();
    device_boot(&core, 2u, T0);
    const uint8_t one[1] = {1u};
    host_send(&core, T0, 2u, TC_MSG_HELLO, 13u, one, sizeof one);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_LENGTH, 0u));
    CHECK_EQ(answer.version, 1u);
    fake_clear_log();
    const uint8_t three[3] = {1u, 1u, 1u};
    host_send(&core, T0, 1u, TC_MSG_HELLO, 13u, three, sizeof three);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_LENGTH, 0u));
}

static void test_hello_never_changes_output_or_state(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 4000u);
    tc_core_poll(&core, T0 + 300000u);
    uint32_t before = fake.driven_ua[1];
    CHECK(before > 0u);
    size_t drives = fake.call_count;
    host_hello(&core, T0 + 300000u, 3u, 1u, 1u);
    host_hello(&core, T0 + 300000u, 4u, 2u, 9u);
    CHECK_EQ(core.state, TC_STATE_RUNNING);
    CHECK_EQ(fake.driven_ua[1], before);
    CHECK(fake_find_call(CALL_DRIVE, drives) == FAKE_CALLS_MAX);
    CHECK(fake_find_call(CALL_DISABLE, drives) == FAKE_CALLS_MAX);
    CHECK(core.watchdog_armed);
    CHECK_EQ(core.channels[0].setpoint_ua, 4000u);
}

static void test_identity_says_who_the_device_is(void)
{
    for (uint8_t channels = 1u; channels <= 6u; channels++) {
        fake_reset();
        device_boot(&core, channels, T0);
        host_hello(&core, T0, 0u, 1u, 1u);
        CHECK(the_answer(&answer));
        tc_identity_t id;
        tc_caps_t caps[TC_MAX_CHANNELS_ON_WIRE];
        char model[32];
        char serial[32];
        CHECK(decode_identity(answer.payload, answer.len, &id, caps, model, serial));
        CHECK_EQ(id.channel_count, channels);
        CHECK_EQ(id.minor_version, 1u);
        CHECK_EQ(id.telemetry_period_ms, 50u);
        CHECK_EQ(id.watchdog_default_ms, 1000u);
        CHECK_EQ(id.slew_ua_per_s, 20000u);
        CHECK(strcmp(model, "TC-TEST") == 0);
        CHECK(strcmp(serial, "TEST0001") == 0);
        CHECK_EQ(caps[channels - 1u].max_amplitude_ua, 80000u);
    }
}

static void test_set_accepted_is_echoed_and_shapes_the_output(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 500u);
    tc_setpoint_t set = {2u, 15500u, 100000u, 200u, 1u, 1u, 2000u, 7u};
    host_set(&core, T0 + 10u, 3u, &set);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_SET));
    uint8_t expected[TC_SET_LEN];
    tc_encode_set(expected, sizeof expected, &set);
    CHECK_EQ(answer.len, 19u);
    CHECK(memcmp(&answer.payload[1], expected, TC_SET_LEN) == 0);
    CHECK_EQ(core.channels[1].setpoint_ua, 15500u);
    CHECK(fake.shape_given[2]);
    CHECK_EQ(fake.shape[2].pulses_per_burst, 7u);
    CHECK_EQ(fake.shape[2].rate_mhz, 100000u);
}

static void test_set_refusals_through_the_core(void)
{
    fake_reset();
    device_boot(&core, 2u, T0);
    host_set_amp(&core, T0, 1u, 1u, 1000u); /* IDLE */
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_STATE, 0u));
    host_start(&core, T0, 2u, 0x01u, 500u);
    fake_clear_log();
    host_set_amp(&core, T0, 3u, 2u, 1000u); /* channel 2 not started */
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_STATE, 0u));
    fake_clear_log();
    host_set_amp(&core, T0, 4u, 3u, 1000u); /* no channel 3 */
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_CHANNEL, 1u));
    fake_clear_log();
    host_set_amp(&core, T0, 5u, 1u, 90000u); /* V8: 90 mA */
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_OUT_OF_RANGE, 2u));
    CHECK_EQ(answer.seq, 5u);
    CHECK_EQ(core.channels[0].setpoint_ua, 0u); /* never clamped to 80 mA */
    fake_clear_log();
    const uint8_t short_set[17] = {1u};
    host_send(&core, T0, 1u, TC_MSG_SET, 6u, short_set, sizeof short_set);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_LENGTH, 0u));
}

static void test_zero_set_on_a_faulted_channel_stores_nothing(void)
{
    fake_reset();
    device_running(&core, 2u, T0, 1000u);
    host_set_amp(&core, T0, 2u, 1u, 3000u);
    tc_core_poll(&core, T0 + 100000u);
    fake.lead_off[1] = true;
    tc_core_poll(&core, T0 + 100000u);
    CHECK(core.channels[0].faults & TC_FAULT_LEAD_OFF);
    tc_setpoint_t before = core.channels[0].shape;
    fake_clear_log();
    tc_setpoint_t zero = {1u, 0u, 120000u, 250u, 1u, 0u, 0u, 0u};
    host_set(&core, T0 + 110000u, 3u, &zero);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_SET));
    uint8_t echo[TC_SET_LEN];
    tc_encode_set(echo, sizeof echo, &zero);
    CHECK(memcmp(&answer.payload[1], echo, TC_SET_LEN) == 0); /* acknowledged with its echo */
    CHECK(memcmp(&core.channels[0].shape, &before, sizeof before) == 0); /* stored nowhere */
    CHECK_EQ(core.channels[0].setpoint_ua, 0u);
    CHECK(fake_find_call(CALL_DRIVE, 0u) == FAKE_CALLS_MAX);
    fake_clear_log();
    host_set_amp(&core, T0 + 120000u, 4u, 1u, 1u);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_FAULT_LATCHED, 0u));
    fake_clear_log();
    host_set_amp(&core, T0 + 120000u, 5u, 1u, 90000u); /* FAULT_LATCHED comes first */
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_FAULT_LATCHED, 0u));
}

static void test_heartbeat_is_acked_and_checks_its_length(void)
{
    fake_reset();
    device_boot(&core, 2u, T0);
    host_heartbeat(&core, T0, 5u);
    CHECK(the_answer(&answer) && is_ack(&answer, TC_MSG_HEARTBEAT));
    CHECK_EQ(answer.len, 1u);
    fake_clear_log();
    const uint8_t stray[1] = {0u};
    host_send(&core, T0, 1u, TC_MSG_HEARTBEAT, 6u, stray, sizeof stray);
    CHECK(the_answer(&answer) && is_nak(&answer, TC_NAK_BAD_LENGTH, 0u));
    CHECK_EQ(answer.payload[0], TC_MSG_HEARTBEAT);
}

void suite_requests(void)
{
    RUN(test_stop_in_any_version_and_with_any_payload);
    RUN(test_hello_in_any_version_byte);
    RUN(test_other_version_byte_is_refused_and_ignored);
    RUN(test_unknown_types_are_refused);
    RUN(test_every_copy_of_a_retried_request_is_answered);
    RUN(test_hello_selects_the_highest_common_version);
    RUN(test_hello_bad_length_answered_in_the_version_in_force);
    RUN(test_hello_never_changes_output_or_state);
    RUN(test_identity_says_who_the_device_is);
    RUN(test_set_accepted_is_echoed_and_shapes_the_output);
    RUN(test_set_refusals_through_the_core);
    RUN(test_zero_set_on_a_faulted_channel_stores_nothing);
    RUN(test_heartbeat_is_acked_and_checks_its_length);
}

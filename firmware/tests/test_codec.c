/*
 * test_codec.c - section 4's layouts: lengths, round trips, and the bounds a device must
 * never break when it encodes (1 to 6 channels, strings of at most 24 bytes, D2).
 */
#include <string.h>

#include "check.h"
#include "codec.h"
#include "host.h"
#include "suites.h"

static const tc_caps_t caps = {80000u, 1000u, 150000u, 50u, 300u, 3u, 3u, 1000u, 5000u, 2u, 15u};
static tc_caps_t six_caps[TC_MAX_CHANNELS_ON_WIRE + 1u];

static tc_identity_t identity(uint8_t channels, const char *model, const char *serial)
{
    for (size_t i = 0u; i <= TC_MAX_CHANNELS_ON_WIRE; i++) {
        six_caps[i] = caps;
    }
    tc_identity_t id = {1u, 1u, 1u, 1u, 1u, {0u, 1u, 0u}, model, (uint8_t)strlen(model),
                        serial, (uint8_t)strlen(serial), 100u, 1000u, 1000u, 50u, 20000u,
                        channels, six_caps};
    return id;
}

static void test_identity_of_six_channels_and_longest_strings_fits(void)
{
    uint8_t p[TC_MAX_PAYLOAD];
    const char *longest = "ABCDEFGHIJKLMNOPQRSTUVWX"; /* 24 bytes */
    tc_identity_t id = identity(6u, longest, longest);
    size_t len = tc_encode_identity(p, sizeof p, &id);
    CHECK_EQ(len, 239u); /* 23 + 24 + 24 + 6 x 28 */
    tc_identity_t back;
    tc_caps_t back_caps[TC_MAX_CHANNELS_ON_WIRE];
    char model[32];
    char serial[32];
    CHECK(decode_identity(p, len, &back, back_caps, model, serial));
    CHECK_EQ(back.channel_count, 6u);
    CHECK(strcmp(model, longest) == 0);
    CHECK_EQ(back_caps[5].pulses_per_burst_max, 15u);
}

static void test_identity_refuses_what_breaks_its_layout(void)
{
    uint8_t p[TC_MAX_PAYLOAD];
    tc_identity_t seven = identity(7u, "M", "S");
    CHECK_EQ(tc_encode_identity(p, sizeof p, &seven), 0u);
    tc_identity_t none = identity(0u, "M", "S");
    CHECK_EQ(tc_encode_identity(p, sizeof p, &none), 0u);
    tc_identity_t long_model = identity(1u, "ABCDEFGHIJKLMNOPQRSTUVWXY", "S"); /* 25 bytes */
    CHECK_EQ(tc_encode_identity(p, sizeof p, &long_model), 0u);
    tc_identity_t fine = identity(2u, "M", "S");
    CHECK_EQ(tc_encode_identity(p, 40u, &fine), 0u); /* does not fit the buffer given */
    CHECK_EQ(tc_encode_identity(p, sizeof p, &fine), 23u + 2u + 56u);
}

static void test_telemetry_round_trip_and_bounds(void)
{
    uint8_t p[TC_MAX_PAYLOAD];
    tc_telemetry_t tm;
    memset(&tm, 0, sizeof tm);
    tm.state = 1u;
    tm.faults = 0x21u;
    tm.battery_mv = 3950u;
    tm.battery_pct = 87u;
    tm.uptime_ms = 0xFFFFFFFFu;
    tm.frame_errors = 3u;
    tm.channel_count = 6u;
    for (uint8_t i = 0u; i < 6u; i++) {
        tm.channels[i].setpoint_ua = 1000u * i;
        tm.channels[i].delivered_ua = 999u * i;
        tm.channels[i].lead = (uint8_t)(i & 1u);
        tm.channels[i].impedance_ohm = (uint16_t)(800u + i);
        tm.channels[i].faults = i;
    }
    size_t len = tc_encode_telemetry(p, sizeof p, &tm);
    CHECK_EQ(len, 14u + 6u * 12u);
    tc_telemetry_t back;
    CHECK(decode_telemetry(p, len, &back));
    CHECK_EQ(back.uptime_ms, 0xFFFFFFFFu);
    CHECK_EQ(back.channels[5].impedance_ohm, 805u);
    CHECK_EQ(back.channels[4].delivered_ua, 3996u);
    tm.channel_count = 7u;
    CHECK_EQ(tc_encode_telemetry(p, sizeof p, &tm), 0u);
    tm.channel_count = 0u;
    CHECK_EQ(tc_encode_telemetry(p, sizeof p, &tm), 0u);
}

static void test_request_decoders_check_length(void)
{
    uint8_t p[TC_SET_LEN + 1u] = {0};
    tc_hello_t hello;
    tc_start_t start;
    tc_setpoint_t set;
    CHECK(tc_decode_hello(p, 2u, &hello));
    CHECK(!tc_decode_hello(p, 1u, &hello));
    CHECK(!tc_decode_hello(p, 3u, &hello));
    CHECK(tc_decode_start(p, 3u, &start));
    CHECK(!tc_decode_start(p, 2u, &start));
    CHECK(!tc_decode_start(p, 4u, &start));
    CHECK(tc_decode_set(p, 18u, &set));
    CHECK(!tc_decode_set(p, 17u, &set));
    CHECK(!tc_decode_set(p, 19u, &set));
}

static void test_set_round_trip(void)
{
    uint8_t p[TC_SET_LEN];
    tc_setpoint_t set = {2u, 15500u, 100000u, 200u, 1u, 1u, 2000u, 7u};
    CHECK_EQ(tc_encode_set(p, sizeof p, &set), TC_SET_LEN);
    tc_setpoint_t back;
    CHECK(tc_decode_set(p, sizeof p, &back));
    CHECK(back.channel == 2u && back.amplitude_ua == 15500u && back.rate_mhz == 100000u);
    CHECK(back.phase_width_us == 200u && back.waveform == 1u && back.pattern == 1u);
    CHECK(back.burst_rate_mhz == 2000u && back.pulses_per_burst == 7u);
    CHECK_EQ(tc_encode_set(p, 17u, &set), 0u);
}

static void test_ack_echo_lengths(void)
{
    uint8_t p[TC_MAX_PAYLOAD];
    uint8_t echo[TC_SET_LEN] = {0};
    CHECK_EQ(tc_encode_ack(p, sizeof p, 0x05u, echo, 0u), 1u);
    CHECK_EQ(tc_encode_ack(p, sizeof p, 0x02u, echo, 3u), 4u);
    CHECK_EQ(tc_encode_ack(p, sizeof p, 0x04u, echo, 18u), 19u);
    CHECK_EQ(tc_encode_ack(p, sizeof p, 0x04u, echo, 5u), 0u); /* no such echo */
    CHECK_EQ(tc_encode_nak(p, 2u, 0x04u, 5u, 2u), 0u);
    CHECK_EQ(tc_encode_nak(p, sizeof p, 0x04u, 5u, 2u), 3u);
    CHECK_EQ(tc_encode_boot(p, sizeof p, 255u), 1u);
}

void suite_codec(void)
{
    RUN(test_identity_of_six_channels_and_longest_strings_fits);
    RUN(test_identity_refuses_what_breaks_its_layout);
    RUN(test_telemetry_round_trip_and_bounds);
    RUN(test_request_decoders_check_length);
    RUN(test_set_round_trip);
    RUN(test_ack_echo_lengths);
}

/*
 * test_fuzz.c - deterministic random traffic: whatever the host sends and whatever the
 * front end does, every request gets exactly one answer with its seq, output never
 * exceeds the setpoint or the ceiling, and IDLE means every output off. Under ASan and
 * UBSan this also shows that no input reaches out of bounds or into undefined behaviour.
 */
#include <string.h>

#include "check.h"
#include "fake_hal.h"
#include "host.h"
#include "suites.h"

static tc_core_t core;
static frame_t frames[MAX_FRAMES];

static uint32_t next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

static void check_invariants(void)
{
    for (uint8_t n = 1u; n <= core.config.channel_count; n++) {
        const tc_channel_t *ch = &core.channels[n - 1u];
        CHECK(fake.driven_ua[n] <= 80000u);
        CHECK(ch->ramp.output_ua <= ch->setpoint_ua || ch->ramp.output_ua == 0u);
        if (!ch->enabled || ch->faults != 0u) {
            CHECK_EQ(fake.driven_ua[n], 0u);
        }
        if (core.state == TC_STATE_IDLE) {
            CHECK(!fake.enabled[n]);
        }
    }
}

static size_t payload_for(uint8_t type, uint32_t *seed, uint8_t *p)
{
    uint32_t r = next_random(seed);
    size_t len;
    switch (type) {
    case TC_MSG_HELLO:
        len = 2u;
        break;
    case TC_MSG_START:
        len = 3u;
        break;
    case TC_MSG_SET:
        len = 18u;
        break;
    default:
        len = 0u;
        break;
    }
    if (r % 10u == 0u) {
        len = next_random(seed) % (TC_MAX_PAYLOAD + 1u); /* a wrong length now and then */
    }
    for (size_t i = 0u; i < len; i++) {
        p[i] = (uint8_t)next_random(seed);
    }
    if (type == TC_MSG_SET && len == 18u && r % 3u != 0u) {
        /* mostly plausible setpoints, so that the accepting paths are walked too */
        tc_setpoint_t set = continuous((uint8_t)(1u + r % 3u), next_random(seed) % 90000u);
        tc_encode_set(p, len, &set);
    }
    if (type == TC_MSG_START && len == 3u && r % 2u == 0u) {
        p[0] = (uint8_t)(1u + r % 3u);
        p[1] = 0u;
        p[2] = 0u;
    }
    return len;
}

static void test_random_requests_keep_every_invariant(void)
{
    static const uint8_t types[] = {1u, 2u, 3u, 4u, 4u, 4u, 5u, 5u, 5u, 0x06u, 0x81u, 0xA0u};
    uint32_t seed = 0x12345678u;
    uint64_t t = 1000000u;
    fake_reset();
    device_running(&core, 2u, t, 1000u);
    for (unsigned i = 0u; i < 20000u; i++) {
        t += next_random(&seed) % 30000u;
        uint32_t r = next_random(&seed);
        if (r % 50u == 0u) {
            fake.lead_off[1u + r % 2u] = !fake.lead_off[1u + r % 2u];
        }
        if (r % 97u == 0u) {
            fake.battery_mv = (uint16_t)(3300u + next_random(&seed) % 700u);
        }
        if (r % 131u == 0u) {
            fake.over_percent[1] = next_random(&seed) % 40u;
        }
        uint8_t type = types[next_random(&seed) % sizeof types];
        uint8_t version = (next_random(&seed) % 8u == 0u) ? (uint8_t)(next_random(&seed) % 4u) : 1u;
        uint8_t payload[TC_MAX_PAYLOAD];
        size_t len = payload_for(type, &seed, payload);
        uint16_t seq = (uint16_t)next_random(&seed);
        fake_clear_log();
        host_send(&core, t, version, type, seq, payload, len);
        size_t n = sent_frames(frames, MAX_FRAMES);
        size_t answers = 0u;
        for (size_t k = 0u; k < n; k++) {
            CHECK_EQ(frames[k].version, 1u);
            if (frames[k].type >= 0x80u && frames[k].type <= 0x9Fu) {
                answers++;
                CHECK_EQ(frames[k].seq, seq);
            }
        }
        CHECK_EQ(answers, 1u);
        check_invariants();
        tc_core_poll(&core, t + 1u);
        check_invariants();
    }
}

static void test_random_bytes_are_dropped_and_counted(void)
{
    uint32_t seed = 99u;
    fake_reset();
    device_running(&core, 2u, 1000000u, 1000u);
    uint8_t chunk[257];
    for (unsigned i = 0u; i < 2000u; i++) {
        size_t len = next_random(&seed) % sizeof chunk;
        for (size_t k = 0u; k < len; k++) {
            uint32_t r = next_random(&seed);
            chunk[k] = (uint8_t)(r % 40u == 0u ? 0u : r >> 8);
        }
        tc_core_receive(&core, chunk, len, 1000000u + i);
        CHECK(core.rx.len <= TC_RX_BUFFER_LEN);
    }
    CHECK(core.rx.frame_errors > 1000u);
    frame_t answer;
    CHECK(!the_answer(&answer)); /* none of it was a frame to answer */
}

void suite_fuzz(void)
{
    RUN(test_random_requests_keep_every_invariant);
    RUN(test_random_bytes_are_dropped_and_counted);
}

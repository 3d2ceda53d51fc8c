/*
 * test_vectors.c - every vector of firmware_protocol.md section 11, read at test time:
 *
 *  - the frame decodes (COBS, CRC) and re-encodes to the same bytes;
 *  - a record with "fields": the payload decodes to exactly the JSON shown (rendered the
 *    way Python's json.dumps writes it) and the core's encoders give the payload back;
 *  - a record with "payload_len": the payload has that length;
 *  - a record with "expect": the core, fed the frame, does what it says (drop, NAK with
 *    the code and field, ACK of the type, IDENTITY selecting N, no watchdog refresh), and
 *    "malformed" frames pass section 2 but fail their layout.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "codec.h"
#include "fake_hal.h"
#include "frame.h"
#include "host.h"
#include "render.h"
#include "spec.h"
#include "suites.h"

static spec_vector_t vectors[SPEC_MAX_VECTORS];
static const spec_vector_t *vec;
static char vector_names[SPEC_MAX_VECTORS][64];
static tc_core_t core;

/* --- the checks ------------------------------------------------------------------------ */
static tc_rx_result_t decode_wire(const spec_vector_t *v, tc_frame_rx_t *rx, tc_frame_t *f)
{
    tc_rx_init(rx);
    tc_rx_result_t last = TC_RX_NOTHING;
    for (size_t i = 0u; i < v->wire_len; i++) {
        tc_rx_result_t r = tc_rx_push(rx, v->wire[i], f);
        if (r != TC_RX_NOTHING) {
            last = r;
        }
    }
    return last;
}

static void check_layout(const tc_frame_t *f, const char *json)
{
    long version = -1;
    long seq = -1;
    char type[32] = "";
    CHECK(json_int(json, "version", &version) && version == f->version);
    CHECK(json_int(json, "seq", &seq) && seq == f->seq);
    CHECK(json_string(json, "type", type, sizeof type) && type_named(type) == f->type);
    static char fields[SPEC_MAX_JSON];
    long payload_len = -1;
    if (json_raw(json, "fields", fields, sizeof fields)) {
        static out_t rendered;
        uint8_t again[TC_MAX_PAYLOAD];
        size_t again_len = 0u;
        memset(&rendered, 0, sizeof rendered);
        CHECK(render_and_reencode(f, &rendered, again, &again_len));
        CHECK(strcmp(rendered.text, fields) == 0);
        if (strcmp(rendered.text, fields) != 0) {
            printf("    document: %s\n    decoded:  %s\n", fields, rendered.text);
        }
        CHECK_EQ(again_len, f->payload_len);
        CHECK(memcmp(again, f->payload, f->payload_len) == 0);
    } else {
        CHECK(json_int(json, "payload_len", &payload_len) && payload_len == f->payload_len);
    }
}

static void check_frame_reencodes(const spec_vector_t *v, const tc_frame_t *f)
{
    static tc_frame_tx_t tx;
    memcpy(tc_tx_payload(&tx), f->payload, f->payload_len);
    size_t len = tc_tx_finish(&tx, f->version, f->type, f->seq, f->payload_len);
    CHECK_EQ(len, v->wire_len);
    CHECK(memcmp(tx.wire, v->wire, v->wire_len) == 0);
}

/* A core with channel 1 delivering 5 mA, watchdog 100 ms armed at t0. */
static uint64_t delivering_core(void)
{
    const uint64_t t0 = 10000000u;
    fake_reset();
    device_running(&core, 2u, t0, 100u);
    host_set_amp(&core, t0, 1u, 1u, 5000u);
    host_heartbeat(&core, t0 + 50000u, 2u);
    tc_core_poll(&core, t0 + 60000u);
    CHECK(fake.driven_ua[1] > 0u);
    fake_clear_log();
    return t0 + 60000u;
}

static void check_expectation(const spec_vector_t *v, const tc_frame_t *f, const char *expect)
{
    frame_t answer;
    if (strcmp(expect, "drop") == 0) {
        fake_reset();
        device_boot(&core, 2u, 1000u);
        tc_core_receive(&core, v->wire, v->wire_len, 2000u);
        CHECK_EQ(fake.out_len, 0u);
        CHECK_EQ(tc_core_frame_errors(&core), 1u);
        return;
    }
    if (strcmp(expect, "malformed") == 0) {
        tc_identity_t id;
        tc_caps_t caps[TC_MAX_CHANNELS_ON_WIRE];
        char model[32];
        char serial[32];
        CHECK(f->type == TC_MSG_IDENTITY);
        CHECK(!decode_identity(f->payload, f->payload_len, &id, caps, model, serial));
        return;
    }
    bool no_refresh = strstr(expect, "; no watchdog refresh") != NULL;
    uint64_t now = delivering_core();
    tc_core_receive(&core, v->wire, v->wire_len, now);
    CHECK(the_answer(&answer));
    CHECK_EQ(answer.seq, f->seq);
    CHECK_EQ(answer.version, 1u); /* the version in force, whatever the frame's */
    char word[32] = "";
    char arg[32] = "";
    unsigned field = 0u;
    int parts = sscanf(expect, "%31s %31s field %u", word, arg, &field);
    if (strcmp(word, "nak") == 0 && parts >= 2) {
        CHECK(is_nak(&answer, nak_code_named(arg), (uint8_t)field));
        CHECK_EQ(answer.payload[0], f->type);
    } else if (strcmp(word, "ack") == 0 && parts == 2) {
        CHECK(is_ack(&answer, type_named(arg)));
        if (type_named(arg) == TC_MSG_STOP) {
            CHECK_EQ(core.state, TC_STATE_IDLE);
            CHECK(!fake.enabled[1] && fake_delivered(1u) == 0u);
        }
    } else if (strcmp(word, "identity") == 0 &&
               sscanf(expect, "identity selected %u", &field) == 1) {
        CHECK_EQ(answer.type, TC_MSG_IDENTITY);
        CHECK_EQ(answer.payload[0], field);
    } else {
        printf("    unknown expectation: %s\n", expect);
        CHECK(false);
    }
    if (no_refresh) {
        /* the watchdog counts from the heartbeat 10 ms before, not from this frame */
        tc_core_poll(&core, now + 89999u);
        CHECK_EQ(core.state, TC_STATE_RUNNING);
        tc_core_poll(&core, now + 90000u);
        CHECK(core.device_faults & TC_FAULT_HOST_LOST);
    }
}

static void test_vector(void)
{
    static tc_frame_rx_t rx;
    tc_frame_t f;
    char expect[80] = "";
    bool has_expect = json_string(vec->json, "expect", expect, sizeof expect);
    CHECK(vec->wire_len >= 2u && vec->wire[vec->wire_len - 1u] == 0u);
    tc_rx_result_t r = decode_wire(vec, &rx, &f);
    if (has_expect && strcmp(expect, "drop") == 0) {
        CHECK_EQ(r, TC_RX_DROPPED);
        check_expectation(vec, &f, expect);
        return;
    }
    CHECK_EQ(r, TC_RX_FRAME);
    if (r != TC_RX_FRAME) {
        return;
    }
    check_layout(&f, vec->json);
    check_frame_reencodes(vec, &f);
    if (has_expect) {
        check_expectation(vec, &f, expect);
    }
}

static int vector_count;

static void test_the_document_has_its_vectors(void)
{
    CHECK(vector_count >= 26); /* V1-V26 in 1.1 */
}

void suite_vectors(const char *spec_path)
{
    vector_count = spec_read(spec_path, vectors, SPEC_MAX_VECTORS);
    RUN(test_the_document_has_its_vectors);
    for (int i = 0; i < vector_count; i++) {
        char name[48] = "?";
        json_string(vectors[i].json, "name", name, sizeof name);
        snprintf(vector_names[i], sizeof vector_names[i], "vector V%d %s", i + 1, name);
        vec = &vectors[i];
        run_test(vector_names[i], test_vector);
    }
}

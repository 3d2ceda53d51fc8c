/*
 * test_framing.c - section 2: CRC-32, COBS, the bounded receiver and the sender.
 */
#include <string.h>

#include "check.h"
#include "cobs.h"
#include "crc32.h"
#include "frame.h"
#include "suites.h"

static void test_crc_check_value(void)
{
    const uint8_t text[] = "123456789";
    CHECK_EQ(tc_crc32(text, 9u), TC_CRC32_CHECK);
    CHECK_EQ(tc_crc32(text, 0u), 0u);
    /* continuing a CRC equals one pass */
    CHECK_EQ(tc_crc32_update(tc_crc32(text, 4u), &text[4], 5u), TC_CRC32_CHECK);
}

static void test_cobs_round_trip_every_length(void)
{
    uint8_t src[300];
    uint8_t enc[310];
    for (size_t n = 0u; n <= 300u; n++) {
        for (size_t i = 0u; i < n; i++) {
            src[i] = (uint8_t)((i * 7u + n) % 5u == 0u ? 0u : (i * 31u + 1u) & 0xFFu);
        }
        size_t len = tc_cobs_encode(src, n, enc, sizeof enc);
        CHECK(len > 0u && len <= TC_COBS_MAX_ENCODED(n));
        CHECK(memchr(enc, 0, len) == NULL); /* 0x00 only as the delimiter */
        size_t out = 0u;
        CHECK(tc_cobs_decode_in_place(enc, len, &out));
        CHECK_EQ(out, n);
        CHECK(memcmp(enc, src, n) == 0);
    }
}

static void test_cobs_long_runs_without_zero(void)
{
    uint8_t src[600];
    uint8_t enc[610];
    memset(src, 0x11, sizeof src);
    size_t len = tc_cobs_encode(src, sizeof src, enc, sizeof enc);
    CHECK_EQ(len, TC_COBS_MAX_ENCODED(600u));
    CHECK_EQ(enc[0], 0xFFu);
    size_t out = 0u;
    CHECK(tc_cobs_decode_in_place(enc, len, &out));
    CHECK_EQ(out, 600u);
    CHECK(memcmp(enc, src, 600u) == 0);
}

static void test_cobs_encode_refuses_small_buffer(void)
{
    uint8_t src[10] = {1, 2, 3, 0, 5, 6, 7, 8, 9, 10};
    uint8_t enc[10];
    CHECK_EQ(tc_cobs_encode(src, sizeof src, enc, sizeof enc), 0u);
    CHECK_EQ(tc_cobs_encode(src, sizeof src, enc, 0u), 0u);
}

static void test_cobs_decode_rejects_bad_stuffing(void)
{
    uint8_t past_end[] = {0x05, 0x11, 0x22};
    uint8_t zero_inside[] = {0x02, 0x11, 0x00, 0x01};
    size_t out = 0u;
    CHECK(!tc_cobs_decode_in_place(past_end, sizeof past_end, &out));
    CHECK(!tc_cobs_decode_in_place(zero_inside, sizeof zero_inside, &out));
}

/* Push a whole byte string; the last result and the frame it gave. */
static tc_rx_result_t push_all(tc_frame_rx_t *rx, const uint8_t *bytes, size_t n, tc_frame_t *f)
{
    tc_rx_result_t last = TC_RX_NOTHING;
    for (size_t i = 0u; i < n; i++) {
        tc_rx_result_t r = tc_rx_push(rx, bytes[i], f);
        if (r != TC_RX_NOTHING) {
            last = r;
        }
    }
    return last;
}

static size_t build(tc_frame_tx_t *tx, size_t payload_len)
{
    uint8_t *p = tc_tx_payload(tx);
    for (size_t i = 0u; i < payload_len; i++) {
        p[i] = (uint8_t)(i % 3u == 0u ? 0u : i);
    }
    return tc_tx_finish(tx, 1u, 0x05u, 0x0100u, payload_len);
}

static void test_rx_round_trip_every_payload_length(void)
{
    static tc_frame_tx_t tx;
    static tc_frame_rx_t rx;
    tc_rx_init(&rx);
    for (size_t n = 0u; n <= TC_MAX_PAYLOAD; n++) {
        size_t len = build(&tx, n);
        CHECK(len >= 2u && len <= TC_MAX_WIRE_LEN);
        tc_frame_t f;
        CHECK_EQ(push_all(&rx, tx.wire, len, &f), TC_RX_FRAME);
        CHECK_EQ(f.payload_len, n);
        CHECK_EQ(f.seq, 0x0100u);
        CHECK(f.version == 1u && f.type == 0x05u);
        CHECK(memcmp(f.payload, tc_tx_payload(&tx), n) == 0);
    }
    CHECK_EQ(rx.frame_errors, 0u);
    CHECK_EQ(tc_tx_finish(&tx, 1u, 5u, 0u, TC_MAX_PAYLOAD + 1u), 0u);
}

static void test_rx_never_holds_more_than_250_bytes(void)
{
    static tc_frame_rx_t rx;
    tc_rx_init(&rx);
    tc_frame_t f;
    for (unsigned i = 0u; i < 10000u; i++) {
        CHECK_EQ(tc_rx_push(&rx, 0x42u, &f), TC_RX_NOTHING);
        CHECK(rx.len <= TC_RX_BUFFER_LEN);
    }
    CHECK_EQ(tc_rx_push(&rx, 0x00u, &f), TC_RX_DROPPED);
    CHECK_EQ(rx.last_drop, TC_DROP_OVERSIZE);
    CHECK_EQ(rx.last_drop_len, 10000u);
    CHECK_EQ(rx.frame_errors, 1u);
    CHECK_EQ(rx.len, 0u);
    /* and it is in sync again at once */
    static tc_frame_tx_t tx;
    size_t len = build(&tx, 3u);
    CHECK_EQ(push_all(&rx, tx.wire, len, &f), TC_RX_FRAME);
}

static void test_rx_oversize_bound_is_249_stuffed_bytes(void)
{
    static tc_frame_rx_t rx;
    tc_frame_t f;
    uint8_t stuffed[TC_RX_BUFFER_LEN + 1u];
    /* 250 stuffed bytes: "more than 249 collected" is oversize, whatever they hold */
    memset(stuffed, 0x01, sizeof stuffed);
    stuffed[TC_RX_BUFFER_LEN] = 0u;
    tc_rx_init(&rx);
    CHECK_EQ(push_all(&rx, stuffed, sizeof stuffed, &f), TC_RX_DROPPED);
    CHECK_EQ(rx.last_drop, TC_DROP_OVERSIZE);
    CHECK_EQ(rx.last_drop_len, 250u);
    /* 249 bytes is not oversize (it fails later, on its content) */
    stuffed[TC_MAX_STUFFED_LEN] = 0u;
    tc_rx_init(&rx);
    CHECK_EQ(push_all(&rx, stuffed, TC_MAX_STUFFED_LEN + 1u, &f), TC_RX_DROPPED);
    CHECK(rx.last_drop != TC_DROP_OVERSIZE);
}

static void test_rx_drops_and_counts_each_kind(void)
{
    static tc_frame_rx_t rx;
    static tc_frame_tx_t tx;
    tc_frame_t f;
    tc_rx_init(&rx);
    const uint8_t bad_stuffing[] = {0x05, 0x11, 0x22, 0x00};
    CHECK_EQ(push_all(&rx, bad_stuffing, sizeof bad_stuffing, &f), TC_RX_DROPPED);
    CHECK_EQ(rx.last_drop, TC_DROP_STUFFING);
    const uint8_t too_short[] = {0x04, 0x01, 0x05, 0x07, 0x00}; /* 4 raw bytes */
    CHECK_EQ(push_all(&rx, too_short, sizeof too_short, &f), TC_RX_DROPPED);
    CHECK_EQ(rx.last_drop, TC_DROP_TOO_SHORT);
    build(&tx, 5u);
    tx.raw[TC_HEADER_LEN + 5u] ^= 0x01u; /* one CRC bit, then stuffed again */
    uint8_t wire[TC_MAX_WIRE_LEN];
    size_t len = tc_cobs_encode(tx.raw, TC_HEADER_LEN + 5u + TC_CRC_LEN, wire, sizeof wire);
    wire[len] = 0x00u;
    CHECK_EQ(push_all(&rx, wire, len + 1u, &f), TC_RX_DROPPED);
    CHECK_EQ(rx.last_drop, TC_DROP_CRC);
    CHECK_EQ(rx.frame_errors, 3u);
    /* empty frames are no errors */
    const uint8_t empties[] = {0x00, 0x00, 0x00};
    CHECK_EQ(push_all(&rx, empties, sizeof empties, &f), TC_RX_NOTHING);
    CHECK_EQ(rx.frame_errors, 3u);
}

static void test_rx_resyncs_on_every_zero(void)
{
    static tc_frame_rx_t rx;
    static tc_frame_tx_t tx;
    tc_frame_t f;
    tc_rx_init(&rx);
    size_t len = build(&tx, 18u);
    /* garbage ended by a 0x00 is one dropped frame; the frame after it decodes */
    const uint8_t garbage[] = {0x13, 0x37, 0x99, 0x00};
    CHECK_EQ(push_all(&rx, garbage, sizeof garbage, &f), TC_RX_DROPPED);
    CHECK_EQ(push_all(&rx, tx.wire, len, &f), TC_RX_FRAME);
    /* a frame cut short by a 0x00 is dropped, the next one decodes */
    uint8_t cut[40];
    memcpy(cut, tx.wire, 10u);
    cut[10] = 0x00u;
    CHECK_EQ(push_all(&rx, cut, 11u, &f), TC_RX_DROPPED);
    CHECK_EQ(push_all(&rx, tx.wire, len, &f), TC_RX_FRAME);
}

static void test_rx_error_counter_wraps(void)
{
    static tc_frame_rx_t rx;
    tc_frame_t f;
    tc_rx_init(&rx);
    rx.frame_errors = 0xFFFFFFFFu;
    const uint8_t bad[] = {0x05, 0x11, 0x00};
    push_all(&rx, bad, sizeof bad, &f);
    CHECK_EQ(rx.frame_errors, 0u); /* a u32 on the wire: wraps */
}

void suite_framing(void)
{
    RUN(test_crc_check_value);
    RUN(test_cobs_round_trip_every_length);
    RUN(test_cobs_long_runs_without_zero);
    RUN(test_cobs_encode_refuses_small_buffer);
    RUN(test_cobs_decode_rejects_bad_stuffing);
    RUN(test_rx_round_trip_every_payload_length);
    RUN(test_rx_never_holds_more_than_250_bytes);
    RUN(test_rx_oversize_bound_is_249_stuffed_bytes);
    RUN(test_rx_drops_and_counts_each_kind);
    RUN(test_rx_resyncs_on_every_zero);
    RUN(test_rx_error_counter_wraps);
}

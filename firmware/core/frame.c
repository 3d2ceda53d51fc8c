/*
 * frame.c - the receiver's five rules of section 2 and the sender.
 */
#include "frame.h"

#include "bytes.h"
#include "cobs.h"
#include "crc32.h"

#define TC_U32_MAX 0xFFFFFFFFu

void tc_rx_init(tc_frame_rx_t *rx)
{
    tc_zero(rx->buf, sizeof rx->buf);
    rx->len = 0u;
    rx->discarded = 0u;
    rx->frame_errors = 0u;
    rx->last_drop = TC_DROP_STUFFING;
    rx->last_drop_len = 0u;
}

static uint32_t add_saturating(uint32_t a, uint32_t b)
{
    return (a > TC_U32_MAX - b) ? TC_U32_MAX : a + b;
}

static tc_rx_result_t dropped(tc_frame_rx_t *rx, tc_drop_t why, uint32_t stuffed_len)
{
    rx->frame_errors++; /* unsigned: wraps at 2^32 like the TELEMETRY field */
    rx->last_drop = why;
    rx->last_drop_len = stuffed_len;
    return TC_RX_DROPPED;
}

/* The bytes held since the last delimiter: decide what they were, then start afresh. */
static tc_rx_result_t finish(tc_frame_rx_t *rx, tc_frame_t *frame)
{
    uint16_t len = rx->len;
    uint32_t discarded = rx->discarded;
    rx->len = 0u;
    rx->discarded = 0u;
    if (len == 0u && discarded == 0u) {
        return TC_RX_NOTHING; /* rule 1: an empty frame, ignored silently */
    }
    if (discarded != 0u || len > TC_MAX_STUFFED_LEN) {
        return dropped(rx, TC_DROP_OVERSIZE, add_saturating(len, discarded)); /* rule 2 */
    }
    size_t raw_len = 0u;
    if (!tc_cobs_decode_in_place(rx->buf, len, &raw_len)) {
        return dropped(rx, TC_DROP_STUFFING, len); /* rule 3 */
    }
    if (raw_len < TC_MIN_RAW_LEN) {
        return dropped(rx, TC_DROP_TOO_SHORT, len); /* rule 4 */
    }
    size_t body_len = raw_len - TC_CRC_LEN;
    if (tc_crc32(rx->buf, body_len) != tc_get_u32(&rx->buf[body_len])) {
        return dropped(rx, TC_DROP_CRC, len); /* rule 5 */
    }
    frame->version = rx->buf[0];
    frame->type = rx->buf[1];
    frame->seq = tc_get_u16(&rx->buf[2]);
    frame->payload = &rx->buf[TC_HEADER_LEN];
    /* raw_len <= 249 stuffed bytes, so the payload is at most 240 bytes: fits a u8 */
    frame->payload_len = (uint8_t)(body_len - TC_HEADER_LEN);
    return TC_RX_FRAME;
}

tc_rx_result_t tc_rx_push(tc_frame_rx_t *rx, uint8_t byte, tc_frame_t *frame)
{
    if (byte == 0u) {
        return finish(rx, frame);
    }
    if (rx->len < TC_RX_BUFFER_LEN) {
        rx->buf[rx->len] = byte;
        rx->len++;
    } else {
        /* never more than 250 bytes held: the rest is counted until the next 0x00 */
        rx->discarded = add_saturating(rx->discarded, 1u);
    }
    return TC_RX_NOTHING;
}

uint8_t *tc_tx_payload(tc_frame_tx_t *tx)
{
    return &tx->raw[TC_HEADER_LEN];
}

size_t tc_tx_finish(tc_frame_tx_t *tx, uint8_t version, uint8_t type, uint16_t seq,
                    size_t payload_len)
{
    if (payload_len > TC_MAX_PAYLOAD) {
        return 0u;
    }
    tx->raw[0] = version;
    tx->raw[1] = type;
    tc_put_u16(&tx->raw[2], seq);
    size_t body_len = TC_HEADER_LEN + payload_len;
    tc_put_u32(&tx->raw[body_len], tc_crc32(tx->raw, body_len));
    size_t stuffed = tc_cobs_encode(tx->raw, body_len + TC_CRC_LEN, tx->wire, TC_MAX_STUFFED_LEN);
    if (stuffed == 0u) {
        return 0u; /* cannot happen for <= 248 raw bytes; refuse rather than send a stub */
    }
    tx->wire[stuffed] = 0u;
    return stuffed + 1u;
}

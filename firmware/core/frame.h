/*
 * frame.h - frames in and out (section 2): a bounded receiver that resynchronises on
 * every 0x00 and counts what it drops, and a sender that builds one frame at a time.
 */
#ifndef TC_FRAME_H
#define TC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* A frame that passed every check of section 2. payload points into the receiver's buffer:
 * valid until the next byte is pushed. */
typedef struct {
    uint8_t version;
    uint8_t type;
    uint16_t seq;
    const uint8_t *payload;
    uint8_t payload_len; /* 0..240 */
} tc_frame_t;

/* Why bytes between two delimiters were dropped (the simulator's frame_error kinds). */
typedef enum {
    TC_DROP_STUFFING = 0,
    TC_DROP_TOO_SHORT = 1,
    TC_DROP_OVERSIZE = 2,
    TC_DROP_CRC = 3
} tc_drop_t;

typedef enum { TC_RX_NOTHING = 0, TC_RX_FRAME = 1, TC_RX_DROPPED = 2 } tc_rx_result_t;

typedef struct {
    uint8_t buf[TC_RX_BUFFER_LEN];
    uint16_t len;       /* stuffed bytes held, <= TC_RX_BUFFER_LEN */
    uint32_t discarded; /* bytes past the buffer since the last delimiter (saturates) */
    uint32_t frame_errors; /* frames dropped since reset; wraps like the wire's u32 */
    tc_drop_t last_drop;
    uint32_t last_drop_len; /* stuffed bytes of the last dropped frame (saturates) */
} tc_frame_rx_t;

/* Power-on state: empty, no errors counted. */
void tc_rx_init(tc_frame_rx_t *rx);

/*
 * Push one received byte. Returns TC_RX_FRAME with *frame filled when a 0x00 completes a
 * valid frame, TC_RX_DROPPED when it completes a bad one (frame_errors counted,
 * last_drop and last_drop_len set), else TC_RX_NOTHING.
 */
tc_rx_result_t tc_rx_push(tc_frame_rx_t *rx, uint8_t byte, tc_frame_t *frame);

typedef struct {
    uint8_t raw[TC_MAX_RAW_LEN];
    uint8_t wire[TC_MAX_WIRE_LEN];
} tc_frame_tx_t;

/* The payload area of the frame being built (TC_MAX_PAYLOAD bytes). */
uint8_t *tc_tx_payload(tc_frame_tx_t *tx);

/*
 * Finish the frame whose payload (payload_len bytes) was written at tc_tx_payload():
 * header, CRC, stuffing and delimiter. Returns the wire length (at most 250), or 0 when
 * payload_len is above 240 (nothing to send).
 */
size_t tc_tx_finish(tc_frame_tx_t *tx, uint8_t version, uint8_t type, uint16_t seq,
                    size_t payload_len);

#endif
